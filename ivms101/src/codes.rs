//! IVMS101's code lists. Each code reads and writes as the standard's four-letter code
//! (`LEGL`) in IVMS101 JSON, reads also the protobuf enum name
//! (`NATURAL_PERSON_NAME_TYPE_CODE_LEGL`), and maps to TRISA's protobuf enum number.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A code value that is not in its code list.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{value:?} is not a {list} code")]
pub struct UnknownCode {
    /// The code list.
    pub list: &'static str,
    /// The value found.
    pub value: String,
}

macro_rules! code_list {
    (
        $(#[$meta:meta])*
        $name:ident, $list:literal, $prefix:literal, default $default:ident,
        { $( $(#[$vmeta:meta])* $variant:ident = $num:literal, $code:literal; )+ }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )+
        }

        impl $name {
            /// Every code of the list.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            /// The prefix of the protobuf enum value names.
            pub const PROTO_PREFIX: &'static str = $prefix;

            /// The standard's code, e.g. `LEGL`.
            pub fn code(self) -> &'static str {
                match self { $($name::$variant => $code,)+ }
            }

            /// The protobuf enum number (TRISA's `ivms101` package).
            pub fn to_proto(self) -> i32 {
                match self { $($name::$variant => $num,)+ }
            }

            /// From a protobuf enum number.
            pub fn from_proto(n: i32) -> Result<Self, UnknownCode> {
                match n {
                    $($num => Ok($name::$variant),)+
                    _ => Err(UnknownCode { list: $list, value: n.to_string() }),
                }
            }

            /// From the standard's code or the protobuf enum name (exact case, as both
            /// forms define it).
            pub fn from_code(s: &str) -> Result<Self, UnknownCode> {
                let short = s.strip_prefix($prefix).unwrap_or(s);
                match short {
                    $($code => Ok($name::$variant),)+
                    _ => Err(UnknownCode { list: $list, value: s.chars().take(64).collect() }),
                }
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.code())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                $name::from_code(&s).map_err(serde::de::Error::custom)
            }
        }

        impl core::fmt::Display for $name {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                f.write_str(self.code())
            }
        }
    };
}

code_list! {
    /// The nature of a natural person's name.
    NaturalPersonNameTypeCode, "natural person name type", "NATURAL_PERSON_NAME_TYPE_CODE_", default Misc,
    {
        /// Name other than the legal name (e.g. nickname, alias).
        Alia = 1, "ALIA";
        /// Name given at birth.
        Birt = 2, "BIRT";
        /// Maiden name.
        Maid = 3, "MAID";
        /// Legal name (identifying name).
        Legl = 4, "LEGL";
        /// Unspecified.
        #[default]
        Misc = 0, "MISC";
    }
}

code_list! {
    /// The nature of a legal person's name.
    LegalPersonNameTypeCode, "legal person name type", "LEGAL_PERSON_NAME_TYPE_CODE_", default Misc,
    {
        /// Official registered name.
        Legl = 1, "LEGL";
        /// Short name.
        Shrt = 2, "SHRT";
        /// Trading name.
        Trad = 3, "TRAD";
        /// Unspecified (not in IVMS101's list; TRISA's protobuf default).
        #[default]
        Misc = 0, "MISC";
    }
}

code_list! {
    /// The nature of an address.
    AddressTypeCode, "address type", "ADDRESS_TYPE_CODE_", default Misc,
    {
        /// Residential address.
        Home = 1, "HOME";
        /// Business address.
        Bizz = 2, "BIZZ";
        /// Geographic (unspecified, but identifying a place) address.
        Geog = 3, "GEOG";
        /// Unspecified (not in IVMS101's list; TRISA's protobuf default).
        #[default]
        Misc = 0, "MISC";
    }
}

code_list! {
    /// The type of a national identifier.
    NationalIdentifierTypeCode, "national identifier type", "NATIONAL_IDENTIFIER_TYPE_CODE_", default Misc,
    {
        /// Alien registration number.
        Arnu = 1, "ARNU";
        /// Passport number.
        Ccpt = 2, "CCPT";
        /// Registration authority identifier.
        Raid = 3, "RAID";
        /// Driver's license number.
        Drlc = 4, "DRLC";
        /// Foreign investment identity number.
        Fiin = 5, "FIIN";
        /// Tax identification number.
        Txid = 6, "TXID";
        /// Social security number.
        Socs = 7, "SOCS";
        /// Identity card number.
        Idcd = 8, "IDCD";
        /// Legal Entity Identifier (ISO 17442).
        Leix = 9, "LEIX";
        /// Unspecified.
        #[default]
        Misc = 0, "MISC";
    }
}

code_list! {
    /// The script a name was transliterated from (ISO 15924 codes).
    TransliterationMethodCode, "transliteration method", "TRANSLITERATION_METHOD_CODE_", default Othr,
    {
        /// Arabic (Arabic language).
        Arab = 1, "ARAB";
        /// Arabic (Persian language).
        Aran = 2, "ARAN";
        /// Armenian.
        Armn = 3, "ARMN";
        /// Cyrillic.
        Cyrl = 4, "CYRL";
        /// Devanagari and related Indic scripts.
        Deva = 5, "DEVA";
        /// Georgian.
        Geor = 6, "GEOR";
        /// Greek.
        Grek = 7, "GREK";
        /// Han (Hanzi, Kanji, Hanja).
        Hani = 8, "HANI";
        /// Hebrew.
        Hebr = 9, "HEBR";
        /// Kana.
        Kana = 10, "KANA";
        /// Korean.
        Kore = 11, "KORE";
        /// Thai.
        Thai = 12, "THAI";
        /// Another script.
        #[default]
        Othr = 0, "OTHR";
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_read_both_spellings_and_round_trip_numbers() {
        assert_eq!(
            NaturalPersonNameTypeCode::from_code("LEGL"),
            NaturalPersonNameTypeCode::from_code("NATURAL_PERSON_NAME_TYPE_CODE_LEGL")
        );
        for c in NationalIdentifierTypeCode::ALL {
            assert_eq!(NationalIdentifierTypeCode::from_proto(c.to_proto()), Ok(*c));
            assert_eq!(NationalIdentifierTypeCode::from_code(c.code()), Ok(*c));
        }
        assert!(AddressTypeCode::from_code("home").is_err());
        assert!(AddressTypeCode::from_proto(17).is_err());
    }
}
