//! `VDS_LUN_INFORMATION` (vdslun.h): how VSS and hardware providers describe a LUN.

use serde::{Deserialize, Serialize};

use crate::guid::VssId;

/// `VER_VDS_LUN_INFORMATION`, the structure version every `VDS_LUN_INFORMATION` carries.
pub const VER_VDS_LUN_INFORMATION: u32 = 1;

sdk_enum! {
    /// `VDS_STORAGE_BUS_TYPE`. (`VDSBusTypeMax` shares `VDSBusTypeVirtual`'s value and is
    /// left out.)
    "VDS_STORAGE_BUS_TYPE" => enum BusType {
        /// Unknown.
        VDSBusTypeUnknown = 0,
        /// SCSI, what most arrays report.
        VDSBusTypeScsi = 0x1,
        /// ATAPI.
        VDSBusTypeAtapi = 0x2,
        /// ATA.
        VDSBusTypeAta = 0x3,
        /// IEEE 1394.
        VDSBusType1394 = 0x4,
        /// SSA.
        VDSBusTypeSsa = 0x5,
        /// Fibre Channel.
        VDSBusTypeFibre = 0x6,
        /// USB.
        VDSBusTypeUsb = 0x7,
        /// RAID.
        VDSBusTypeRAID = 0x8,
        /// iSCSI.
        VDSBusTypeiScsi = 0x9,
        /// SAS.
        VDSBusTypeSas = 0xa,
        /// SATA.
        VDSBusTypeSata = 0xb,
        /// SD.
        VDSBusTypeSd = 0xc,
        /// MMC.
        VDSBusTypeMmc = 0xd,
        /// A virtual disk.
        VDSBusTypeVirtual = 0xe,
        /// A file-backed virtual disk.
        VDSBusTypeFileBackedVirtual = 0xf,
        /// Storage Spaces.
        VDSBusTypeSpaces = 0x10,
        /// NVMe.
        VDSBusTypeNVMe = 0x11,
        /// Storage-class memory.
        VDSBusTypeScm = 0x12,
        /// UFS.
        VDSBusTypeUfs = 0x13,
        /// Reserved.
        VDSBusTypeMaxReserved = 0x7f,
    }
}

sdk_enum! {
    /// `VDS_STORAGE_IDENTIFIER_CODE_SET`: how an identifier's bytes are to be read.
    "VDS_STORAGE_IDENTIFIER_CODE_SET" => enum IdentifierCodeSet {
        /// Reserved.
        VDSStorageIdCodeSetReserved = 0,
        /// Binary.
        VDSStorageIdCodeSetBinary = 1,
        /// ASCII.
        VDSStorageIdCodeSetAscii = 2,
        /// UTF-8.
        VDSStorageIdCodeSetUtf8 = 3,
    }
}

sdk_enum! {
    /// `VDS_STORAGE_IDENTIFIER_TYPE`: which kind of SCSI page-83 identifier.
    "VDS_STORAGE_IDENTIFIER_TYPE" => enum IdentifierType {
        /// Vendor specific.
        VDSStorageIdTypeVendorSpecific = 0,
        /// T10 vendor id (type 1).
        VDSStorageIdTypeVendorId = 1,
        /// EUI-64 (type 2).
        VDSStorageIdTypeEUI64 = 2,
        /// FC-PH name, a NAA (type 3).
        VDSStorageIdTypeFCPHName = 3,
        /// Relative target port.
        VDSStorageIdTypePortRelative = 4,
        /// Target port group.
        VDSStorageIdTypeTargetPortGroup = 5,
        /// Logical unit group.
        VDSStorageIdTypeLogicalUnitGroup = 6,
        /// MD5 logical unit identifier.
        VDSStorageIdTypeMD5LogicalUnitIdentifier = 7,
        /// SCSI name string (type 8).
        VDSStorageIdTypeScsiNameString = 8,
    }
}

sdk_enum! {
    /// `VDS_INTERCONNECT_ADDRESS_TYPE`.
    "VDS_INTERCONNECT_ADDRESS_TYPE" => enum InterconnectAddressType {
        /// Unknown.
        VDS_IA_UNKNOWN = 0,
        /// Fibre Channel FCFS.
        VDS_IA_FCFS = 1,
        /// Fibre Channel FCPH.
        VDS_IA_FCPH = 2,
        /// Fibre Channel FCPH3.
        VDS_IA_FCPH3 = 3,
        /// A MAC address.
        VDS_IA_MAC = 4,
        /// SCSI.
        VDS_IA_SCSI = 5,
    }
}

/// `VDS_STORAGE_IDENTIFIER`: one page-83 identifier of a LUN.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct StorageIdentifier {
    /// `m_CodeSet`.
    pub code_set: IdentifierCodeSet,
    /// `m_Type`.
    pub id_type: IdentifierType,
    /// `m_rgbIdentifier`.
    pub identifier: Vec<u8>,
}

/// `VDS_INTERCONNECT`: a port the LUN is reachable through.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Interconnect {
    /// `m_addressType`.
    pub address_type: InterconnectAddressType,
    /// `m_pbPort`.
    pub port: Vec<u8>,
    /// `m_pbAddress`.
    pub address: Vec<u8>,
}

/// `VDS_LUN_INFORMATION`: the SCSI inquiry data, page 80 and page 83 of a LUN, as VSS hands
/// them to hardware providers and records them in the backup components document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VdsLunInformation {
    /// `m_version`: [`VER_VDS_LUN_INFORMATION`].
    pub version: u32,
    /// `m_DeviceType`: the SCSI-2 device type (0 for a disk).
    pub device_type: u8,
    /// `m_DeviceTypeModifier`.
    pub device_type_modifier: u8,
    /// `m_bCommandQueueing`.
    pub command_queueing: bool,
    /// `m_BusType`; ignored when VSS matches LUNs at import.
    pub bus_type: BusType,
    /// `m_szVendorId`.
    pub vendor_id: Option<String>,
    /// `m_szProductId`.
    pub product_id: Option<String>,
    /// `m_szProductRevision`.
    pub product_revision: Option<String>,
    /// `m_szSerialNumber`: the page-80 serial number.
    pub serial_number: Option<String>,
    /// `m_diskSignature`: the MBR signature in the first 32 bits, or the GPT disk id;
    /// ignored when VSS matches LUNs, and `GUID_NULL` from providers.
    pub disk_signature: VssId,
    /// `m_deviceIdDescriptor`: the page-83 identifiers.
    pub identifiers: Vec<StorageIdentifier>,
    /// `m_rgInterconnects`.
    pub interconnects: Vec<Interconnect>,
}

impl VdsLunInformation {
    /// Whether two descriptions name the same LUN as VSS compares them at import: everything
    /// but the bus type, the disk signature and the interconnects.
    pub fn same_lun(&self, other: &VdsLunInformation) -> bool {
        self.device_type == other.device_type
            && self.device_type_modifier == other.device_type_modifier
            && self.vendor_id == other.vendor_id
            && self.product_id == other.product_id
            && self.product_revision == other.product_revision
            && self.serial_number == other.serial_number
            && self.identifiers == other.identifiers
    }
}
