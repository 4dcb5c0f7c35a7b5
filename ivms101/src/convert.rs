//! Conversion between the data model and the generated protobuf types of TRISA's
//! `ivms101` package (same package, message names and field numbers).

use super::codes::{
    AddressTypeCode, LegalPersonNameTypeCode, NationalIdentifierTypeCode,
    NaturalPersonNameTypeCode, TransliterationMethodCode, UnknownCode,
};
use super::model::*;
use crate::pb;

/// Why a protobuf value is not a valid IVMS101 value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConvertError {
    /// An enum number outside its code list.
    #[error("{0}")]
    UnknownCode(#[from] UnknownCode),
    /// A `Person` with neither a natural nor a legal person.
    #[error("a person must be a natural or a legal person; this one is neither")]
    EmptyPerson,
}

/// A model type that has a protobuf message in TRISA's `ivms101` package.
pub trait ProtoMapped: Sized {
    /// The generated protobuf type.
    type Proto: prost::Message + Default;
    /// The message's full protobuf name, e.g. `ivms101.IdentityPayload`.
    const PROTO_NAME: &'static str;
    /// To the protobuf value.
    fn to_proto(&self) -> Self::Proto;
    /// From the protobuf value.
    fn from_proto(p: Self::Proto) -> Result<Self, ConvertError>;
}

fn opt<T: ProtoMapped>(v: &Option<T>) -> Option<T::Proto> {
    v.as_ref().map(ProtoMapped::to_proto)
}

fn from_opt<T: ProtoMapped>(v: Option<T::Proto>) -> Result<Option<T>, ConvertError> {
    v.map(T::from_proto).transpose()
}

fn list<T: ProtoMapped>(v: &[T]) -> Vec<T::Proto> {
    v.iter().map(ProtoMapped::to_proto).collect()
}

fn from_list<T: ProtoMapped>(v: Vec<T::Proto>) -> Result<Vec<T>, ConvertError> {
    v.into_iter().map(T::from_proto).collect()
}

impl ProtoMapped for IdentityPayload {
    type Proto = pb::IdentityPayload;
    const PROTO_NAME: &'static str = "ivms101.IdentityPayload";
    fn to_proto(&self) -> Self::Proto {
        pb::IdentityPayload {
            originator: opt(&self.originator),
            beneficiary: opt(&self.beneficiary),
            originating_vasp: opt(&self.originating_vasp),
            beneficiary_vasp: opt(&self.beneficiary_vasp),
            transfer_path: opt(&self.transfer_path),
            payload_metadata: opt(&self.payload_metadata),
        }
    }
    fn from_proto(p: Self::Proto) -> Result<Self, ConvertError> {
        Ok(Self {
            originator: from_opt(p.originator)?,
            beneficiary: from_opt(p.beneficiary)?,
            originating_vasp: from_opt(p.originating_vasp)?,
            beneficiary_vasp: from_opt(p.beneficiary_vasp)?,
            transfer_path: from_opt(p.transfer_path)?,
            payload_metadata: from_opt(p.payload_metadata)?,
        })
    }
}

impl ProtoMapped for Originator {
    type Proto = pb::Originator;
    const PROTO_NAME: &'static str = "ivms101.Originator";
    fn to_proto(&self) -> Self::Proto {
        pb::Originator {
            originator_persons: list(&self.persons),
            account_numbers: self.account_numbers.clone(),
        }
    }
    fn from_proto(p: Self::Proto) -> Result<Self, ConvertError> {
        Ok(Self {
            persons: from_list(p.originator_persons)?,
            account_numbers: p.account_numbers,
        })
    }
}

impl ProtoMapped for Beneficiary {
    type Proto = pb::Beneficiary;
    const PROTO_NAME: &'static str = "ivms101.Beneficiary";
    fn to_proto(&self) -> Self::Proto {
        pb::Beneficiary {
            beneficiary_persons: list(&self.persons),
            account_numbers: self.account_numbers.clone(),
        }
    }
    fn from_proto(p: Self::Proto) -> Result<Self, ConvertError> {
        Ok(Self {
            persons: from_list(p.beneficiary_persons)?,
            account_numbers: p.account_numbers,
        })
    }
}

impl ProtoMapped for OriginatingVasp {
    type Proto = pb::OriginatingVasp;
    const PROTO_NAME: &'static str = "ivms101.OriginatingVasp";
    fn to_proto(&self) -> Self::Proto {
        pb::OriginatingVasp {
            originating_vasp: opt(&self.person),
        }
    }
    fn from_proto(p: Self::Proto) -> Result<Self, ConvertError> {
        Ok(Self {
            person: from_opt(p.originating_vasp)?,
        })
    }
}

impl ProtoMapped for BeneficiaryVasp {
    type Proto = pb::BeneficiaryVasp;
    const PROTO_NAME: &'static str = "ivms101.BeneficiaryVasp";
    fn to_proto(&self) -> Self::Proto {
        pb::BeneficiaryVasp {
            beneficiary_vasp: opt(&self.person),
        }
    }
    fn from_proto(p: Self::Proto) -> Result<Self, ConvertError> {
        Ok(Self {
            person: from_opt(p.beneficiary_vasp)?,
        })
    }
}

impl ProtoMapped for TransferPath {
    type Proto = pb::TransferPath;
    const PROTO_NAME: &'static str = "ivms101.TransferPath";
    fn to_proto(&self) -> Self::Proto {
        pb::TransferPath {
            transfer_path: list(&self.path),
        }
    }
    fn from_proto(p: Self::Proto) -> Result<Self, ConvertError> {
        Ok(Self {
            path: from_list(p.transfer_path)?,
        })
    }
}

impl ProtoMapped for IntermediaryVasp {
    type Proto = pb::IntermediaryVasp;
    const PROTO_NAME: &'static str = "ivms101.IntermediaryVasp";
    fn to_proto(&self) -> Self::Proto {
        pb::IntermediaryVasp {
            intermediary_vasp: opt(&self.person),
            sequence: self.sequence,
        }
    }
    fn from_proto(p: Self::Proto) -> Result<Self, ConvertError> {
        Ok(Self {
            person: from_opt(p.intermediary_vasp)?,
            sequence: p.sequence,
        })
    }
}

impl ProtoMapped for PayloadMetadata {
    type Proto = pb::PayloadMetadata;
    const PROTO_NAME: &'static str = "ivms101.PayloadMetadata";
    fn to_proto(&self) -> Self::Proto {
        pb::PayloadMetadata {
            transliteration_method: self
                .transliteration_method
                .iter()
                .map(|c| c.to_proto())
                .collect(),
        }
    }
    fn from_proto(p: Self::Proto) -> Result<Self, ConvertError> {
        Ok(Self {
            transliteration_method: p
                .transliteration_method
                .into_iter()
                .map(TransliterationMethodCode::from_proto)
                .collect::<Result<_, _>>()?,
        })
    }
}

impl ProtoMapped for Person {
    type Proto = pb::Person;
    const PROTO_NAME: &'static str = "ivms101.Person";
    fn to_proto(&self) -> Self::Proto {
        pb::Person {
            person: Some(match self {
                Person::NaturalPerson(n) => pb::person::Person::NaturalPerson(n.to_proto()),
                Person::LegalPerson(l) => pb::person::Person::LegalPerson(l.to_proto()),
            }),
        }
    }
    fn from_proto(p: Self::Proto) -> Result<Self, ConvertError> {
        match p.person {
            Some(pb::person::Person::NaturalPerson(n)) => {
                Ok(Person::NaturalPerson(NaturalPerson::from_proto(n)?))
            }
            Some(pb::person::Person::LegalPerson(l)) => {
                Ok(Person::LegalPerson(LegalPerson::from_proto(l)?))
            }
            None => Err(ConvertError::EmptyPerson),
        }
    }
}

impl ProtoMapped for NaturalPerson {
    type Proto = pb::NaturalPerson;
    const PROTO_NAME: &'static str = "ivms101.NaturalPerson";
    fn to_proto(&self) -> Self::Proto {
        pb::NaturalPerson {
            name: opt(&self.name),
            geographic_addresses: list(&self.geographic_addresses),
            national_identification: opt(&self.national_identification),
            customer_identification: self.customer_identification.clone(),
            date_and_place_of_birth: opt(&self.date_and_place_of_birth),
            country_of_residence: self.country_of_residence.clone(),
        }
    }
    fn from_proto(p: Self::Proto) -> Result<Self, ConvertError> {
        Ok(Self {
            name: from_opt(p.name)?,
            geographic_addresses: from_list(p.geographic_addresses)?,
            national_identification: from_opt(p.national_identification)?,
            customer_identification: p.customer_identification,
            date_and_place_of_birth: from_opt(p.date_and_place_of_birth)?,
            country_of_residence: p.country_of_residence,
        })
    }
}

fn natural_id(n: &NaturalPersonNameId) -> (String, String, i32) {
    (
        n.primary_identifier.clone(),
        n.secondary_identifier.clone(),
        n.name_identifier_type.to_proto(),
    )
}

fn natural_id_from(p: String, s: String, t: i32) -> Result<NaturalPersonNameId, ConvertError> {
    Ok(NaturalPersonNameId {
        primary_identifier: p,
        secondary_identifier: s,
        name_identifier_type: NaturalPersonNameTypeCode::from_proto(t)?,
    })
}

fn local_natural_ids(v: &[NaturalPersonNameId]) -> Vec<pb::LocalNaturalPersonNameId> {
    v.iter()
        .map(|n| {
            let (primary_identifier, secondary_identifier, name_identifier_type) = natural_id(n);
            pb::LocalNaturalPersonNameId {
                primary_identifier,
                secondary_identifier,
                name_identifier_type,
            }
        })
        .collect()
}

fn local_natural_ids_from(
    v: Vec<pb::LocalNaturalPersonNameId>,
) -> Result<Vec<NaturalPersonNameId>, ConvertError> {
    v.into_iter()
        .map(|n| {
            natural_id_from(
                n.primary_identifier,
                n.secondary_identifier,
                n.name_identifier_type,
            )
        })
        .collect()
}

impl ProtoMapped for NaturalPersonName {
    type Proto = pb::NaturalPersonName;
    const PROTO_NAME: &'static str = "ivms101.NaturalPersonName";
    fn to_proto(&self) -> Self::Proto {
        pb::NaturalPersonName {
            name_identifiers: list(&self.name_identifiers),
            local_name_identifiers: local_natural_ids(&self.local_name_identifiers),
            phonetic_name_identifiers: local_natural_ids(&self.phonetic_name_identifiers),
        }
    }
    fn from_proto(p: Self::Proto) -> Result<Self, ConvertError> {
        Ok(Self {
            name_identifiers: from_list(p.name_identifiers)?,
            local_name_identifiers: local_natural_ids_from(p.local_name_identifiers)?,
            phonetic_name_identifiers: local_natural_ids_from(p.phonetic_name_identifiers)?,
        })
    }
}

impl ProtoMapped for NaturalPersonNameId {
    type Proto = pb::NaturalPersonNameId;
    const PROTO_NAME: &'static str = "ivms101.NaturalPersonNameId";
    fn to_proto(&self) -> Self::Proto {
        let (primary_identifier, secondary_identifier, name_identifier_type) = natural_id(self);
        pb::NaturalPersonNameId {
            primary_identifier,
            secondary_identifier,
            name_identifier_type,
        }
    }
    fn from_proto(p: Self::Proto) -> Result<Self, ConvertError> {
        natural_id_from(
            p.primary_identifier,
            p.secondary_identifier,
            p.name_identifier_type,
        )
    }
}

impl ProtoMapped for Address {
    type Proto = pb::Address;
    const PROTO_NAME: &'static str = "ivms101.Address";
    fn to_proto(&self) -> Self::Proto {
        pb::Address {
            address_type: self.address_type.to_proto(),
            department: self.department.clone(),
            sub_department: self.sub_department.clone(),
            street_name: self.street_name.clone(),
            building_number: self.building_number.clone(),
            building_name: self.building_name.clone(),
            floor: self.floor.clone(),
            post_box: self.post_box.clone(),
            room: self.room.clone(),
            post_code: self.post_code.clone(),
            town_name: self.town_name.clone(),
            town_location_name: self.town_location_name.clone(),
            district_name: self.district_name.clone(),
            country_sub_division: self.country_sub_division.clone(),
            address_line: self.address_line.clone(),
            country: self.country.clone(),
        }
    }
    fn from_proto(p: Self::Proto) -> Result<Self, ConvertError> {
        Ok(Self {
            address_type: AddressTypeCode::from_proto(p.address_type)?,
            department: p.department,
            sub_department: p.sub_department,
            street_name: p.street_name,
            building_number: p.building_number,
            building_name: p.building_name,
            floor: p.floor,
            post_box: p.post_box,
            room: p.room,
            post_code: p.post_code,
            town_name: p.town_name,
            town_location_name: p.town_location_name,
            district_name: p.district_name,
            country_sub_division: p.country_sub_division,
            address_line: p.address_line,
            country: p.country,
        })
    }
}

impl ProtoMapped for DateAndPlaceOfBirth {
    type Proto = pb::DateAndPlaceOfBirth;
    const PROTO_NAME: &'static str = "ivms101.DateAndPlaceOfBirth";
    fn to_proto(&self) -> Self::Proto {
        pb::DateAndPlaceOfBirth {
            date_of_birth: self.date_of_birth.clone(),
            place_of_birth: self.place_of_birth.clone(),
        }
    }
    fn from_proto(p: Self::Proto) -> Result<Self, ConvertError> {
        Ok(Self {
            date_of_birth: p.date_of_birth,
            place_of_birth: p.place_of_birth,
        })
    }
}

impl ProtoMapped for NationalIdentification {
    type Proto = pb::NationalIdentification;
    const PROTO_NAME: &'static str = "ivms101.NationalIdentification";
    fn to_proto(&self) -> Self::Proto {
        pb::NationalIdentification {
            national_identifier: self.national_identifier.clone(),
            national_identifier_type: self.national_identifier_type.to_proto(),
            country_of_issue: self.country_of_issue.clone(),
            registration_authority: self.registration_authority.clone(),
        }
    }
    fn from_proto(p: Self::Proto) -> Result<Self, ConvertError> {
        Ok(Self {
            national_identifier: p.national_identifier,
            national_identifier_type: NationalIdentifierTypeCode::from_proto(
                p.national_identifier_type,
            )?,
            country_of_issue: p.country_of_issue,
            registration_authority: p.registration_authority,
        })
    }
}

impl ProtoMapped for LegalPerson {
    type Proto = pb::LegalPerson;
    const PROTO_NAME: &'static str = "ivms101.LegalPerson";
    fn to_proto(&self) -> Self::Proto {
        pb::LegalPerson {
            name: opt(&self.name),
            geographic_addresses: list(&self.geographic_addresses),
            customer_number: self.customer_number.clone(),
            national_identification: opt(&self.national_identification),
            country_of_registration: self.country_of_registration.clone(),
        }
    }
    fn from_proto(p: Self::Proto) -> Result<Self, ConvertError> {
        Ok(Self {
            name: from_opt(p.name)?,
            geographic_addresses: from_list(p.geographic_addresses)?,
            customer_number: p.customer_number,
            national_identification: from_opt(p.national_identification)?,
            country_of_registration: p.country_of_registration,
        })
    }
}

fn local_legal_ids(v: &[LegalPersonNameId]) -> Vec<pb::LocalLegalPersonNameId> {
    v.iter()
        .map(|n| pb::LocalLegalPersonNameId {
            legal_person_name: n.legal_person_name.clone(),
            legal_person_name_identifier_type: n.legal_person_name_identifier_type.to_proto(),
        })
        .collect()
}

fn local_legal_ids_from(
    v: Vec<pb::LocalLegalPersonNameId>,
) -> Result<Vec<LegalPersonNameId>, ConvertError> {
    v.into_iter()
        .map(|n| {
            Ok(LegalPersonNameId {
                legal_person_name: n.legal_person_name,
                legal_person_name_identifier_type: LegalPersonNameTypeCode::from_proto(
                    n.legal_person_name_identifier_type,
                )?,
            })
        })
        .collect()
}

impl ProtoMapped for LegalPersonName {
    type Proto = pb::LegalPersonName;
    const PROTO_NAME: &'static str = "ivms101.LegalPersonName";
    fn to_proto(&self) -> Self::Proto {
        pb::LegalPersonName {
            name_identifiers: list(&self.name_identifiers),
            local_name_identifiers: local_legal_ids(&self.local_name_identifiers),
            phonetic_name_identifiers: local_legal_ids(&self.phonetic_name_identifiers),
        }
    }
    fn from_proto(p: Self::Proto) -> Result<Self, ConvertError> {
        Ok(Self {
            name_identifiers: from_list(p.name_identifiers)?,
            local_name_identifiers: local_legal_ids_from(p.local_name_identifiers)?,
            phonetic_name_identifiers: local_legal_ids_from(p.phonetic_name_identifiers)?,
        })
    }
}

impl ProtoMapped for LegalPersonNameId {
    type Proto = pb::LegalPersonNameId;
    const PROTO_NAME: &'static str = "ivms101.LegalPersonNameId";
    fn to_proto(&self) -> Self::Proto {
        pb::LegalPersonNameId {
            legal_person_name: self.legal_person_name.clone(),
            legal_person_name_identifier_type: self.legal_person_name_identifier_type.to_proto(),
        }
    }
    fn from_proto(p: Self::Proto) -> Result<Self, ConvertError> {
        Ok(Self {
            legal_person_name: p.legal_person_name,
            legal_person_name_identifier_type: LegalPersonNameTypeCode::from_proto(
                p.legal_person_name_identifier_type,
            )?,
        })
    }
}
