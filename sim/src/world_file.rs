//! The world file: machines, their volumes, providers and writers, and the service policy.
//!
//! A world file is JSON or YAML. Every field but the machine and volume names has a default,
//! so a small world stays small. See `docs/world-files.md`.

use std::path::Path;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};
use vss_model::VssId;

use crate::input::{self, InputError, Problem};
use crate::policy::Policy;
use crate::size::ByteSize;

/// A whole world as written in a file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorldFile {
    /// Seed of every generated GUID; the same seed and calls give the same output.
    #[serde(default = "default_seed")]
    pub seed: u64,
    /// The service clock at the start, UTC `YYYY-MM-DD hh:mm:ss`; it moves one second at
    /// every commit.
    #[serde(default = "default_start_time")]
    pub start_time: String,
    /// The storage array the machines share, if any.
    #[serde(default)]
    pub san: Option<SanFile>,
    /// The machines, the first one being the default of a scenario.
    pub machines: Vec<MachineFile>,
    /// Choices where Windows' behaviour is not documented.
    #[serde(default)]
    pub policy: Policy,
}

fn default_seed() -> u64 {
    1
}

fn default_start_time() -> String {
    "2026-01-01 00:00:00".to_string()
}

/// The storage array of the SAN and its LUNs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SanFile {
    /// The vendor id the array reports.
    #[serde(default = "default_vendor")]
    pub vendor: String,
    /// The product id the array reports.
    #[serde(default = "default_product")]
    pub product: String,
    /// The product revision the array reports.
    #[serde(default = "default_revision")]
    pub revision: String,
    /// The LUNs provisioned on it.
    pub luns: Vec<LunFile>,
    /// The kinds of clone its hardware provider makes: `differential` (space-sharing),
    /// `plex` (a full copy), or both (the default).
    #[serde(default = "default_clones")]
    pub clones: Vec<CloneFile>,
    /// Whether its hardware provider makes transportable shadow copies (default: yes).
    #[serde(default = "default_true")]
    pub transportable: bool,
}

/// A kind of clone the array makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CloneFile {
    /// Space-sharing: the clone keeps only the blocks that changed since.
    Differential,
    /// A full copy of the source.
    Plex,
}

fn default_clones() -> Vec<CloneFile> {
    vec![CloneFile::Differential, CloneFile::Plex]
}

fn default_true() -> bool {
    true
}

fn default_vendor() -> String {
    "SIMSAN".to_string()
}

fn default_product() -> String {
    "SIMARRAY".to_string()
}

fn default_revision() -> String {
    "1.0".to_string()
}

/// One LUN of the array.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LunFile {
    /// Its name on the array, e.g. `LUN-E`.
    pub name: String,
    /// Its size.
    pub size: ByteSize,
    /// The machines it is unmasked to.
    #[serde(default)]
    pub visible_to: Vec<String>,
    /// Whether its disk is GPT (a GPT disk id) rather than MBR (a disk signature); the
    /// identity itself is generated from the seed.
    #[serde(default)]
    pub gpt: bool,
}

/// One machine.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MachineFile {
    /// Its name, e.g. `HOSTA`.
    pub name: String,
    /// Its volumes.
    pub volumes: Vec<VolumeFile>,
    /// Registered providers, by kind: `system`, `hardware` (the array's provider) or
    /// `legacy_hardware` (the same without the Ex interface).
    #[serde(default = "default_providers")]
    pub providers: Vec<String>,
    /// Its writers; absent means the usual four of a Windows Server.
    #[serde(default = "default_writers")]
    pub writers: Vec<WriterFile>,
    /// `MaxShadowCopies`: how many client-accessible shadow copies a volume may have
    /// (1 to 512).
    #[serde(default = "default_max_shadow_copies")]
    pub max_shadow_copies: u32,
}

fn default_providers() -> Vec<String> {
    vec!["system".to_string()]
}

fn default_max_shadow_copies() -> u32 {
    64
}

/// One volume of a machine.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VolumeFile {
    /// Its drive letter or mount folder, with the trailing backslash: `C:\`.
    pub mount: String,
    /// The GUID of its `\\?\Volume{GUID}\` name; generated from the seed when absent.
    #[serde(default)]
    pub guid: Option<VssId>,
    /// Its size; for a volume on LUNs, the sum of theirs when absent.
    #[serde(default)]
    pub size: Option<ByteSize>,
    /// The array LUNs it lies on, in order (each wholly); none for a local disk.
    #[serde(default)]
    pub luns: Vec<String>,
    /// Its file system: `NTFS`, `ReFS`, `FAT32`, … Persistent shadow copies need NTFS.
    #[serde(default = "default_file_system")]
    pub file_system: String,
    /// Its shadow copy storage area.
    #[serde(default)]
    pub diff_area: DiffAreaFile,
    /// Whether a process holds it open, so that it cannot be locked: `RevertToSnapshot`
    /// then reverts it only with `bForceDismount`.
    #[serde(default)]
    pub in_use: bool,
    /// Whether a writer the machine's registry lists under `WritersBlockingRevert` has
    /// components on it, so that `ShouldBlockRevert` answers TRUE for it.
    #[serde(default)]
    pub writers_block_revert: bool,
}

fn default_file_system() -> String {
    "NTFS".to_string()
}

/// The bounds of a volume's diff area.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DiffAreaFile {
    /// Its maximum size; absent means unbounded.
    #[serde(default)]
    pub max: Option<ByteSize>,
    /// The size it needs to exist (`MinDiffAreaFileSize`); absent means Windows' default:
    /// 32 MiB for volumes under 500 MiB, 320 MiB otherwise.
    #[serde(default)]
    pub min: Option<ByteSize>,
}

/// One writer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WriterFile {
    /// Its name, as `vssadmin list writers` shows it.
    pub name: String,
    /// Its writer class id.
    pub id: VssId,
}

/// The writers every Windows Server has, with their well-known class ids.
pub fn default_writers() -> Vec<WriterFile> {
    [
        ("System Writer", 0xe8132975_6f93_4464_a53e_1050253ae220),
        ("Registry Writer", 0xafbab4a2_367d_4d15_a586_71dbb18f8485),
        ("COM+ REGDB Writer", 0x542da469_d3e1_473c_9f4f_7847f01fc64f),
        ("WMI Writer", 0xa6ad56c2_b509_4e6c_bb19_49d8f43532f0),
    ]
    .into_iter()
    .map(|(name, id)| WriterFile {
        name: name.to_string(),
        id: VssId::from_u128(id),
    })
    .collect()
}

/// The default world, embedded.
pub const DEFAULT_WORLD: &str = include_str!("default_world.yaml");

/// The default world's file, parsed once per process: every simulator of it, and every
/// scenario and state file that runs in it, starts from this one.
pub fn default_world() -> &'static WorldFile {
    static PARSED: OnceLock<WorldFile> = OnceLock::new();
    PARSED.get_or_init(|| {
        parse(DEFAULT_WORLD, "default_world.yaml").expect("the embedded world parses")
    })
}

/// Parses a world file's text; JSON when `file` ends in `.json`, YAML otherwise. The text is
/// only read: whether the world it describes can be built is [`World::new`]'s to say.
///
/// [`World::new`]: crate::World::new
pub fn parse(text: &str, file: &str) -> Result<WorldFile, InputError> {
    input::parse(text, file)
}

/// Reads and parses the world file at `path`, and checks that the world it describes can be
/// built: the one reader of world files, for scenarios, state files and the command line.
pub fn read(path: &Path) -> Result<WorldFile, InputError> {
    let (text, shown) = input::read_file(path)?;
    let world = parse(&text, &shown)?;
    crate::World::new(&world).map_err(|e| InputError::new(&shown, None, Problem::World(e)))?;
    Ok(world)
}
