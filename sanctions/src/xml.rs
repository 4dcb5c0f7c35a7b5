//! A thin layer over quick-xml shared by the XML list readers: element depth tracking
//! (so a truncated document is an error, not a short list), entity references resolved
//! into text, and quick-xml errors mapped to [`SanctionsError::MalformedXml`].

use super::error::{Result, SanctionsError};
use quick_xml::events::{BytesStart, Event};
use std::io::BufRead;

/// What the list readers see of an XML document.
pub(crate) enum XmlEvent<'a> {
    /// An element opens (also for `<empty/>` elements, which are followed by `End`).
    Start(&'a BytesStart<'a>),
    /// An element closes (the readers track names on their own stacks).
    End,
    /// Character data, entity references resolved.
    Text(&'a str),
}

/// Streams `reader` through `handler`. Fails on malformed XML, on a document that ends
/// with elements still open (a truncated file), and passes on the handler's errors
/// (which it builds from a message; the position is added here).
pub(crate) fn stream<R: BufRead>(
    reader: R,
    format: &'static str,
    mut handler: impl FnMut(XmlEvent<'_>) -> std::result::Result<(), String>,
) -> Result<()> {
    let mut reader = quick_xml::Reader::from_reader(reader);
    reader.config_mut().check_end_names = true;
    let mut buf = Vec::with_capacity(64 * 1024);
    let mut depth = 0usize;
    let mut seen_root = false;
    let malformed = |position: u64, reason: String| SanctionsError::MalformedXml {
        format,
        position,
        reason,
    };
    loop {
        buf.clear();
        let ev = match reader.read_event_into(&mut buf) {
            Ok(ev) => ev,
            Err(e) => {
                if let quick_xml::Error::Io(io) = &e
                    && let Some(limit) = crate::limits::limit_of(io)
                {
                    return Err(SanctionsError::LimitExceeded { format, limit });
                }
                let reason = match &e {
                    quick_xml::Error::Io(io) => format!("cannot read the stream: {io}"),
                    other => other.to_string(),
                };
                return Err(malformed(reader.error_position(), reason));
            }
        };
        let position = reader.buffer_position();
        let result = match ev {
            Event::Start(ref s) | Event::Empty(ref s) => {
                if depth == 0 && seen_root {
                    return Err(malformed(position, "a second root element".into()));
                }
                seen_root = true;
                let r = handler(XmlEvent::Start(s));
                if matches!(ev, Event::Empty(_)) {
                    r.and_then(|()| handler(XmlEvent::End))
                } else {
                    depth += 1;
                    if depth > crate::limits::MAX_XML_DEPTH {
                        return Err(malformed(
                            position,
                            format!(
                                "elements nested more than {} deep (limit)",
                                crate::limits::MAX_XML_DEPTH
                            ),
                        ));
                    }
                    r
                }
            }
            Event::End(_) => {
                depth = depth.saturating_sub(1);
                handler(XmlEvent::End)
            }
            Event::Text(ref t) if depth > 0 => handler(XmlEvent::Text(&t.xml10_content())),
            Event::CData(ref t) if depth > 0 => handler(XmlEvent::Text(&t.xml10_content())),
            Event::GeneralRef(ref r) if depth > 0 => {
                let resolved = if r.is_char_ref() {
                    match r.resolve_char_ref() {
                        Ok(Some(c)) => c.to_string(),
                        _ => return Err(malformed(position, "invalid character reference".into())),
                    }
                } else {
                    match quick_xml::escape::resolve_predefined_entity(&r.xml10_content()) {
                        Some(s) => s.to_string(),
                        None => {
                            return Err(malformed(
                                position,
                                format!("undeclared entity &{};", r.xml10_content()),
                            ));
                        }
                    }
                };
                handler(XmlEvent::Text(&resolved))
            }
            Event::Eof => {
                if !seen_root {
                    return Err(malformed(
                        position,
                        "no root element (the file is empty or not XML)".into(),
                    ));
                }
                if depth != 0 {
                    return Err(malformed(
                        position,
                        format!(
                            "the document ends with {depth} element(s) still open (truncated?)"
                        ),
                    ));
                }
                return Ok(());
            }
            _ => Ok(()),
        };
        result.map_err(|reason| malformed(position, reason))?;
    }
}

/// The unescaped value of attribute `name`, if present.
pub(crate) fn attr(e: &BytesStart<'_>, name: &str) -> std::result::Result<Option<String>, String> {
    match e.try_get_attribute(name) {
        Ok(Some(a)) => a
            .normalized_value(quick_xml::XmlVersion::default())
            .map(|v| Some(v.into_owned()))
            .map_err(|err| format!("attribute {name}: {err}")),
        Ok(None) => Ok(None),
        Err(err) => Err(format!(
            "attributes of <{}>: {err}",
            e.local_name().as_ref()
        )),
    }
}

/// The value of attribute `name` as a `u64`, if present; an error if not a number.
pub(crate) fn attr_u64(e: &BytesStart<'_>, name: &str) -> std::result::Result<Option<u64>, String> {
    match attr(e, name)? {
        None => Ok(None),
        Some(v) => v.trim().parse().map(Some).map_err(|_| {
            format!(
                "attribute {name}={v:?} of <{}> is not a number",
                e.local_name().as_ref()
            )
        }),
    }
}
