//! DiskShadow's metadata file: a Windows cabinet (.cab) holding `Manifest.xml` (the shadow
//! copy set, the session's aliases and which file holds the document) and the backup
//! components document that `import` hands to `InitializeForBackup` on the importing
//! machine. DiskShadow never reads the document itself: it is VSS's to read.
//!
//! When writers took part, the cabinet also holds what a restore needs of them, as
//! DiskShadow's does: `BCDocument.xml`, the backup components document, and `WM0.xml`,
//! `WM1.xml`, … the metadata of each writer, in the order `GetWriterMetadata` gave them.

use std::fmt::Write as _;
use std::io::{self, Read, Write};
use std::path::Path;

use quick_xml::Reader;
use quick_xml::events::Event;
use vss_model::writer_metadata::WriterMetadataDocument;
use vss_model::{VssId, VssTimestamp};

/// What a metadata file carries from the creating session to the importing one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Metadata {
    /// The backup components document (`SaveAsXML`).
    pub document: String,
    /// The aliases of the creating session, in the order they were set.
    pub aliases: Vec<(String, String)>,
    /// The shadow copy set the file describes, as `StartSnapshotSet` gave it to the
    /// creating session; `None` when the manifest does not name one.
    pub set: Option<VssId>,
}

const MANIFEST: &str = "Manifest.xml";

/// The name DiskShadow gives a metadata file when `set metadata` named none: the date and
/// time of the shadow copies and the machine, `2026-01-01_00-00-05_HOSTA.cab`, or
/// `metadata_HOSTA.cab` when the time is not known.
pub fn default_name(created: Option<VssTimestamp>, machine: &str) -> String {
    let when = created
        .map(|t| t.to_string().replace(' ', "_").replace(':', "-"))
        .unwrap_or_else(|| "metadata".to_string());
    format!("{when}_{machine}.cab")
}

fn escape(text: &str) -> String {
    quick_xml::escape::escape(text).into_owned()
}

fn manifest(m: &Metadata, machine: &str, document_file: &str) -> String {
    let mut s = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let set = m
        .set
        .map(|set| format!(" set=\"{set}\""))
        .unwrap_or_default();
    let _ = writeln!(
        s,
        "<DiskShadowMetadata version=\"1\" machine=\"{}\"{set} document=\"{}\">",
        escape(machine),
        escape(document_file)
    );
    for (name, value) in &m.aliases {
        let _ = writeln!(
            s,
            "  <Alias name=\"{}\" value=\"{}\"/>",
            escape(name),
            escape(value)
        );
    }
    s.push_str("</DiskShadowMetadata>\n");
    s
}

/// The files a metadata cabinet holds, each name with its content, in the order they go
/// in: the manifest, then with writers `BCDocument.xml` and one `WMn.xml` each, then
/// `document_file`.
fn files(
    m: &Metadata,
    machine: &str,
    document_file: &str,
    writers: &[WriterMetadataDocument],
) -> Vec<(String, String)> {
    let mut files = vec![(MANIFEST.to_string(), manifest(m, machine, document_file))];
    if !writers.is_empty() {
        files.push(("BCDocument.xml".into(), m.document.clone()));
        for (n, writer) in writers.iter().enumerate() {
            files.push((format!("WM{n}.xml"), writer.to_xml()));
        }
    }
    files.push((document_file.to_string(), m.document.clone()));
    files
}

/// Why no metadata file can be written at `path`, when that can be told before anything is
/// made: the name is a folder's, or its folder does not exist, or a file is there that is
/// not the metadata of an earlier `create` (a script, a log, a state file), which writing
/// would destroy.
pub fn unwritable(path: &Path) -> Option<String> {
    if path.is_dir() {
        return Some("it is a folder".into());
    }
    if path.is_file() && read(path).is_err() {
        return Some(
            "a file of that name is there and is not the metadata of an earlier create; \
             it is left as it is"
                .into(),
        );
    }
    match path.parent() {
        Some(folder) if !folder.as_os_str().is_empty() && !folder.is_dir() => {
            Some(format!("the folder {} does not exist", folder.display()))
        }
        _ => None,
    }
}

/// Why `name` cannot name a file on Windows, where DiskShadow writes it: a character
/// Windows refuses in file names, or no name at all.
pub fn impossible_name(name: &str) -> Option<String> {
    if name.trim().is_empty() {
        return Some("the name is empty".into());
    }
    name.chars()
        .find(|c| c.is_control() || ['<', '>', '"', '|', '?', '*'].contains(c))
        .map(|c| format!("a file name cannot hold `{}`", c.escape_default()))
}

/// Writes `m` to `path` as a cabinet, the document under the name `document_file`; the
/// manifest also names the `machine` that made the set, for people reading it, and the
/// `writers` that took part have their metadata in it. Every file in it is dated 1980-01-01
/// (the earliest date a cabinet holds), so that the same session writes the same bytes.
/// Gives the names of the files put in, in order.
pub fn write(
    path: &Path,
    m: &Metadata,
    machine: &str,
    document_file: &str,
    writers: &[WriterMetadataDocument],
) -> io::Result<Vec<String>> {
    let files = files(m, machine, document_file, writers);
    let mut builder = cab::CabinetBuilder::new();
    let folder = builder.add_folder(cab::CompressionType::MsZip);
    let epoch = time::PrimitiveDateTime::new(
        time::Date::from_calendar_date(1980, time::Month::January, 1)
            .map_err(|e| io::Error::other(e.to_string()))?,
        time::Time::MIDNIGHT,
    );
    for (name, _) in &files {
        folder.add_file(name.clone()).set_datetime(epoch);
    }
    let mut bytes = io::Cursor::new(Vec::new());
    let mut writer = builder.build(&mut bytes)?;
    let mut contents = files.iter();
    while let Some(mut file) = writer.next_file()? {
        let (_, text) = contents.next().ok_or_else(|| {
            io::Error::other("the cabinet asked for more files than it was given")
        })?;
        file.write_all(text.as_bytes())?;
    }
    writer.finish()?;
    std::fs::write(path, bytes.into_inner())?;
    Ok(files.into_iter().map(|(name, _)| name).collect())
}

/// Reads a metadata file written by [`write()`].
pub fn read(path: &Path) -> io::Result<Metadata> {
    let invalid = |what: String| io::Error::new(io::ErrorKind::InvalidData, what);
    let bytes = std::fs::read(path)?;
    if bytes.starts_with(b"MSCF") {
        check_layout(&bytes).map_err(|e| invalid(format!("a damaged cabinet file ({e})")))?;
    }
    let mut cabinet = cab::Cabinet::new(io::Cursor::new(bytes))
        .map_err(|e| invalid(format!("not a cabinet file ({e})")))?;
    let text =
        |cabinet: &mut cab::Cabinet<io::Cursor<Vec<u8>>>, name: &str| -> io::Result<String> {
            let mut s = String::new();
            let mut file = cabinet.read_file(name).map_err(|e| match e.kind() {
                io::ErrorKind::NotFound => invalid(format!("it holds no {name}")),
                _ => invalid(format!("its {name} cannot be read ({e})")),
            })?;
            file.read_to_string(&mut s)
                .map_err(|e| invalid(format!("its {name} cannot be read ({e})")))?;
            Ok(s)
        };
    let manifest = text(&mut cabinet, MANIFEST)?;
    let mut reader = Reader::from_str(&manifest);
    let (mut root, mut document_file, mut aliases, mut set) = (false, None, Vec::new(), None);
    loop {
        match reader.read_event() {
            Ok(Event::Start(e) | Event::Empty(e)) => {
                let mut attributes = Vec::new();
                for attribute in e.attributes() {
                    let attribute = attribute.map_err(|e| invalid(format!("{MANIFEST}: {e}")))?;
                    let value = attribute
                        .normalized_value(quick_xml::XmlVersion::Explicit1_0)
                        .map_err(|e| invalid(format!("{MANIFEST}: {e}")))?;
                    attributes.push((attribute.key.as_ref().to_string(), value.into_owned()));
                }
                let get = |key: &str| {
                    attributes
                        .iter()
                        .find(|(k, _)| k == key)
                        .map(|(_, v)| v.clone())
                };
                match e.name().as_ref() {
                    "DiskShadowMetadata" => {
                        root = true;
                        document_file = get("document");
                        set = get("set")
                            .map(|id| {
                                id.parse::<VssId>().map_err(|_| {
                                    invalid(format!("{MANIFEST}: the set `{id}` is not a GUID"))
                                })
                            })
                            .transpose()?;
                    }
                    "Alias" => match (get("name"), get("value")) {
                        (Some(n), Some(v)) => aliases.push((n, v)),
                        _ => {
                            return Err(invalid(format!(
                                "{MANIFEST}: an Alias lacks its name or value"
                            )));
                        }
                    },
                    _ => {}
                }
            }
            Ok(Event::Eof) => break,
            Ok(_) => {}
            Err(e) => return Err(invalid(format!("{MANIFEST}: {e}"))),
        }
    }
    let (true, Some(document_file)) = (root, document_file) else {
        return Err(invalid(format!("{MANIFEST} is not DiskShadow metadata")));
    };
    let document = text(&mut cabinet, &document_file)?;
    Ok(Metadata {
        document,
        aliases,
        set,
    })
}

/// Checks what the `cab` crate (0.6) takes on trust and panics on when it is wrong: every
/// file lies within the data its folder holds, and every folder's data blocks within the
/// file. Folders must be MSZIP, as [`write()`] writes them: the crate checks each MSZIP
/// block's size as it decompresses it, but not a stored or LZX block's. Cabinets in a set
/// (`PREV`/`NEXT`) and reserved areas are refused too; DiskShadow metadata has neither.
fn check_layout(bytes: &[u8]) -> Result<(), String> {
    let u16_at = |at: usize| -> Result<usize, String> {
        bytes
            .get(at..at + 2)
            .map(|b| usize::from(u16::from_le_bytes([b[0], b[1]])))
            .ok_or_else(|| format!("it ends at byte {}, inside a header", bytes.len()))
    };
    let u32_at = |at: usize| -> Result<usize, String> { Ok(u16_at(at)? | (u16_at(at + 2)? << 16)) };
    let (files_at, folders, files, flags) = (u32_at(16)?, u16_at(26)?, u16_at(28)?, u16_at(30)?);
    if flags != 0 {
        return Err(format!(
            "flags {flags:#06x}: a cabinet of a set, or with reserved areas"
        ));
    }
    // Each folder: where its data blocks start, how many, the compression.
    let mut folder_sizes = Vec::with_capacity(folders);
    for folder in 0..folders {
        let entry = 36 + 8 * folder;
        let (mut block, blocks, compression) =
            (u32_at(entry)?, u16_at(entry + 4)?, u16_at(entry + 6)?);
        if compression & 0x000F != 1 {
            return Err(format!("folder {folder} is not MSZIP-compressed"));
        }
        let mut size = 0;
        for _ in 0..blocks {
            let (packed, unpacked) = (u16_at(block + 4)?, u16_at(block + 6)?);
            block += 8 + packed;
            if block > bytes.len() {
                return Err(format!(
                    "a data block of folder {folder} ends past the file"
                ));
            }
            size += unpacked;
        }
        folder_sizes.push(size);
    }
    // Each file: its size, where it starts in its folder, the folder, and its name.
    let mut entry = files_at;
    for file in 0..files {
        let (size, start, folder) = (u32_at(entry)?, u32_at(entry + 4)?, u16_at(entry + 8)?);
        let name = entry + 16;
        let length = bytes
            .get(name..)
            .and_then(|rest| rest.iter().position(|b| *b == 0))
            .ok_or("a file name runs past the end")?;
        entry = name + length + 1;
        match folder_sizes.get(folder) {
            Some(held) if start + size <= *held => {}
            Some(held) => {
                return Err(format!(
                    "file {file} runs to byte {} of a folder holding {held}",
                    start + size
                ));
            }
            None => {
                return Err(format!(
                    "file {file} is in folder {folder}, which is not there"
                ));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cabinet_round_trips_and_is_the_same_bytes_each_time() {
        let dir = std::env::temp_dir().join(format!("vss-sim-cab-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let m = Metadata {
            document: "<Backup a=\"&amp;\"/>".into(),
            aliases: vec![
                ("VSS_SHADOW_SET".into(), "{1}".into()),
                ("x&y".into(), "<v>".into()),
            ],
            set: Some("{6221a917-8e46-42bb-bc39-b98639fa63b4}".parse().unwrap()),
        };
        let (a, b) = (dir.join("a.cab"), dir.join("b.cab"));
        write(&a, &m, "HOSTA", "Dis0001.tmp", &[]).unwrap();
        write(&b, &m, "HOSTA", "Dis0001.tmp", &[]).unwrap();
        assert_eq!(std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());
        assert_eq!(&std::fs::read(&a).unwrap()[..4], b"MSCF");
        assert_eq!(read(&a).unwrap(), m);
        std::fs::write(&b, b"not a cab").unwrap();
        assert!(read(&b).unwrap_err().to_string().contains("not a cabinet"));
        // The second file said to run past its folder's data (the crate would panic).
        let mut bytes = std::fs::read(&a).unwrap();
        let files_at = u32::from_le_bytes(bytes[16..20].try_into().unwrap()) as usize;
        let name = files_at + 16;
        let second = name + bytes[name..].iter().position(|b| *b == 0).unwrap() + 1;
        bytes[second + 4..second + 8].copy_from_slice(&0x10000u32.to_le_bytes());
        std::fs::write(&b, &bytes).unwrap();
        let e = read(&b).unwrap_err().to_string();
        assert!(
            e.starts_with("a damaged cabinet file (file 1 runs to byte"),
            "{e}"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn the_default_name_is_the_time_and_the_machine() {
        let t = VssTimestamp::from_utc(2026, 1, 1, 0, 0, 5);
        assert_eq!(
            default_name(Some(t), "HOSTA"),
            "2026-01-01_00-00-05_HOSTA.cab"
        );
    }
}
