//! A listed party as the readers produce it: every name with its parts, dates of birth,
//! identity documents and digital-currency addresses.

/// What kind of party is listed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PartyKind {
    /// A natural person.
    Individual,
    /// A company, organisation or group.
    Entity,
    /// A vessel or aircraft.
    Transport,
    /// A listing that is not a party, e.g. a plain address list.
    AddressList,
    /// Not stated by the list.
    Unknown,
}

impl PartyKind {
    /// A stable one-byte code (used in set files).
    pub fn code(self) -> u8 {
        match self {
            Self::Individual => 1,
            Self::Entity => 2,
            Self::Transport => 3,
            Self::AddressList => 4,
            Self::Unknown => 0,
        }
    }

    /// The kind of a code; unknown codes are [`PartyKind::Unknown`].
    pub fn from_code(code: u8) -> Self {
        match code {
            1 => Self::Individual,
            2 => Self::Entity,
            3 => Self::Transport,
            4 => Self::AddressList,
            _ => Self::Unknown,
        }
    }

    /// Lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Individual => "individual",
            Self::Entity => "entity",
            Self::Transport => "transport",
            Self::AddressList => "address list",
            Self::Unknown => "unknown",
        }
    }
}

/// One part of a name (`Last Name`, `First Name`, `Entity Name`...), as the list types it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NamePart {
    /// The list's name-part type, e.g. `Last Name`; empty when the list does not type it.
    pub part_type: String,
    /// The text.
    pub value: String,
}

/// One name of a party: its primary name or an alias.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PartyName {
    /// Whether this is the party's primary name.
    pub primary: bool,
    /// The alias type as the list says it (`Name`, `A.K.A.`, `F.K.A.`, `Good`...).
    pub alias_type: String,
    /// Whether the list marks it as a low-quality (weak) alias.
    pub low_quality: bool,
    /// The parts, in the list's order.
    pub parts: Vec<NamePart>,
}

impl PartyName {
    /// A name with a single untyped part.
    pub fn whole(primary: bool, alias_type: &str, full: &str) -> Self {
        Self {
            primary,
            alias_type: alias_type.to_string(),
            low_quality: false,
            parts: vec![NamePart {
                part_type: String::new(),
                value: full.trim().to_string(),
            }],
        }
    }

    /// The full name: the parts joined by spaces (token order does not matter for
    /// screening keys, which sort tokens).
    pub fn full(&self) -> String {
        let mut s = String::new();
        for p in &self.parts {
            let v = p.value.trim();
            if v.is_empty() {
                continue;
            }
            if !s.is_empty() {
                s.push(' ');
            }
            s.push_str(v);
        }
        s
    }
}

/// An identity document or registration number.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IdentityDocument {
    /// The document type, e.g. `Passport`.
    pub doc_type: String,
    /// The number as listed.
    pub number: String,
    /// Issuing country, if stated.
    pub country: Option<String>,
}

/// A digital-currency address with its ticker (`XBT`, `ETH`, `USDT`...).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CurrencyAddress {
    /// The ticker as the list gives it.
    pub ticker: String,
    /// The address as listed.
    pub address: String,
}

/// A listed party.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListedParty {
    /// A stable id, prefixed by the list: `ofac:36`, `un:QDi.001`, `addresses:ETH`.
    pub id: String,
    /// Individual, entity, vessel...
    pub kind: PartyKind,
    /// Every name, primary first where the list says which is primary.
    pub names: Vec<PartyName>,
    /// Dates of birth as listed (`1948-12-10`, `1971`, `1960..1962`).
    pub dates_of_birth: Vec<String>,
    /// Identity documents.
    pub documents: Vec<IdentityDocument>,
    /// Digital-currency addresses.
    pub addresses: Vec<CurrencyAddress>,
}

impl ListedParty {
    /// An empty party with an id and kind.
    pub fn new(id: String, kind: PartyKind) -> Self {
        Self {
            id,
            kind,
            names: Vec::new(),
            dates_of_birth: Vec::new(),
            documents: Vec::new(),
            addresses: Vec::new(),
        }
    }

    /// The primary name (or the first name if none is marked primary).
    pub fn primary_name(&self) -> Option<String> {
        self.names
            .iter()
            .find(|n| n.primary)
            .or_else(|| self.names.first())
            .map(PartyName::full)
    }
}

/// A list as read: its parties and its version (publication date).
#[derive(Clone, Debug)]
pub struct SanctionsList {
    /// Which list, e.g. `ofac-sdn`, `un-consolidated`, `addresses`.
    pub list_id: String,
    /// The list's own version or publication date, e.g. `2025-11-19`.
    pub version: String,
    /// The parties.
    pub parties: Vec<ListedParty>,
}

impl SanctionsList {
    /// Counts of what the list holds.
    pub fn counts(&self) -> ListCounts {
        let mut c = ListCounts {
            parties: self.parties.len() as u64,
            ..ListCounts::default()
        };
        for p in &self.parties {
            c.names += p.names.len() as u64;
            c.dates_of_birth += p.dates_of_birth.len() as u64;
            c.documents += p.documents.len() as u64;
            c.addresses += p.addresses.len() as u64;
        }
        c
    }
}

/// How many of each item a list holds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ListCounts {
    /// Parties.
    pub parties: u64,
    /// Names (primary + aliases).
    pub names: u64,
    /// Dates of birth.
    pub dates_of_birth: u64,
    /// Identity documents.
    pub documents: u64,
    /// Digital-currency addresses.
    pub addresses: u64,
}
