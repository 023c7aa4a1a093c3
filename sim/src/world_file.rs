//! The world file: machines, their volumes, providers and writers, and the service policy.
//!
//! A world file is JSON or YAML. Every field but the machine and volume names has a default,
//! so a small world stays small. See `docs/world-files.md`.

use std::path::Path;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};
use vss_model::VssId;
use vss_model::writer_metadata::{
    ComponentType, RestoreMethod, SourceType, UsageType, WriterRestore,
};

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

/// One writer: its identity and, for the requesters that read writer metadata
/// (`GetWriterMetadata`), what it says of itself at Identify. A field at its default is
/// left out when the world is written out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WriterFile {
    /// Its name, as `vssadmin list writers` shows it.
    pub name: String,
    /// Its writer class id.
    pub id: VssId,
    /// Its instance id; generated from the seed when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance: Option<VssId>,
    /// `VSS_USAGE_TYPE`: how the system uses its data.
    #[serde(default = "default_usage", skip_serializing_if = "is_default_usage")]
    pub usage: UsageType,
    /// `VSS_SOURCE_TYPE`: what kind of store its data is.
    #[serde(default = "default_source", skip_serializing_if = "is_default_source")]
    pub source: SourceType,
    /// How its data is restored.
    #[serde(default, skip_serializing_if = "is_default")]
    pub restore_method: RestoreMethodFile,
    /// Files it wants left out of every backup.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exclude_files: Vec<FilesFile>,
    /// Its components.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub components: Vec<ComponentFile>,
}

fn default_usage() -> UsageType {
    UsageType::VSS_UT_OTHER
}

fn is_default_usage(usage: &UsageType) -> bool {
    *usage == default_usage()
}

fn default_source() -> SourceType {
    SourceType::VSS_ST_OTHER
}

fn is_default_source(source: &SourceType) -> bool {
    *source == default_source()
}

fn is_default<T: Default + PartialEq>(value: &T) -> bool {
    *value == T::default()
}

/// A writer's restore method (`IVssExamineWriterMetadata::GetRestoreMethod`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RestoreMethodFile {
    /// `VSS_RESTOREMETHOD_ENUM`.
    #[serde(default = "default_restore_method")]
    pub method: RestoreMethod,
    /// The service to stop and start around the restore; empty for none.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub service: String,
    /// What a person restoring the data by hand must do; empty for nothing.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub user_procedure: String,
    /// `VSS_WRITERRESTORE_ENUM`: whether the writer hears the restore events.
    #[serde(default = "default_writer_restore")]
    pub writer_restore: WriterRestore,
    /// Whether the machine must restart after a restore.
    #[serde(default)]
    pub reboot_required: bool,
}

fn default_restore_method() -> RestoreMethod {
    RestoreMethod::VSS_RME_RESTORE_IF_CAN_REPLACE
}

fn default_writer_restore() -> WriterRestore {
    WriterRestore::VSS_WRE_NEVER
}

impl Default for RestoreMethodFile {
    /// Files restored over the old ones where they can be, no restore events, no restart.
    fn default() -> Self {
        RestoreMethodFile {
            method: default_restore_method(),
            service: String::new(),
            user_procedure: String::new(),
            writer_restore: default_writer_restore(),
            reboot_required: false,
        }
    }
}

/// A set of files: those of `path` matching `filespec`, and of its subdirectories when
/// `recursive`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FilesFile {
    /// The directory.
    pub path: String,
    /// The file names, wildcards allowed.
    pub filespec: String,
    /// Whether the subdirectories count too.
    #[serde(default, skip_serializing_if = "is_default")]
    pub recursive: bool,
    /// Where the files are restored instead; empty for nowhere else.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub alternate_location: String,
}

/// One component of a writer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ComponentFile {
    /// Its name, unique with its logical path within the writer.
    pub name: String,
    /// `VSS_CT_FILEGROUP` (the default) or `VSS_CT_DATABASE`.
    #[serde(
        rename = "type",
        default = "default_component_type",
        skip_serializing_if = "is_file_group"
    )]
    pub component_type: ComponentType,
    /// Its logical path; empty for none.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub logical_path: String,
    /// Its caption.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub caption: String,
    /// Whether a requester may pick it on its own.
    #[serde(default, skip_serializing_if = "is_default")]
    pub selectable: bool,
    /// Whether a requester may pick it on its own for a restore.
    #[serde(default, skip_serializing_if = "is_default")]
    pub selectable_for_restore: bool,
    /// Whether it wants to hear how its backup went.
    #[serde(default, skip_serializing_if = "is_default")]
    pub notify_on_backup_complete: bool,
    /// Whether it supplies restore metadata.
    #[serde(default, skip_serializing_if = "is_default")]
    pub restore_metadata: bool,
    /// The `VSS_COMPONENT_FLAGS` bits.
    #[serde(default, skip_serializing_if = "is_default")]
    pub flags: u32,
    /// A file group's files.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<FilesFile>,
    /// A database's files.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub database_files: Vec<FilesFile>,
    /// A database's log files.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub log_files: Vec<FilesFile>,
    /// The components, of this writer or another, it depends on.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dependencies: Vec<DependencyFile>,
}

fn default_component_type() -> ComponentType {
    ComponentType::VSS_CT_FILEGROUP
}

fn is_file_group(t: &ComponentType) -> bool {
    *t == ComponentType::VSS_CT_FILEGROUP
}

/// A component another one depends on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DependencyFile {
    /// The class id of its writer.
    pub writer: VssId,
    /// Its logical path; empty for none.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub logical_path: String,
    /// Its name.
    pub name: String,
}

/// The writers every Windows Server has, with their well-known class ids and the
/// components they report: `default_writers.yaml`, embedded and parsed once.
pub fn default_writers() -> Vec<WriterFile> {
    static PARSED: OnceLock<Vec<WriterFile>> = OnceLock::new();
    PARSED
        .get_or_init(|| {
            input::parse(DEFAULT_WRITERS, "default_writers.yaml")
                .expect("the embedded writers parse")
        })
        .clone()
}

/// The default writers, embedded.
pub const DEFAULT_WRITERS: &str = include_str!("default_writers.yaml");

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
