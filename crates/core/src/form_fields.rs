//! A form (a page's query or its POSTed body) read into the struct its
//! handler declares with `#[derive(Deserialize)]`, through the one form
//! reader of [`crate::form_encoding`].
//!
//! axum's `Form` and `Query` extractors do this with `serde_urlencoded`,
//! which decodes with `form_urlencoded` and then copies every name and value
//! it hands to serde. Two of a login's steps read a page form this way (the
//! IdP's callback query, the consent form); under callgrind that reader was
//! 0.5 % of a login's instructions (issue 13, thirty-ninth pass). Here a
//! name or value with nothing to decode is lent to serde as it is, and only
//! the fields the struct keeps are copied.
//!
//! The rules are `serde_urlencoded`'s, so a handler sees what it saw:
//! - a field whose name appears is present, even with an empty value
//!   (`Option<String>` is `Some("")`); one whose name is missing is `None`
//!   (or an error, when the field is not optional);
//! - a name given twice is refused (serde's "duplicate field");
//! - names the struct does not declare are ignored;
//! - numbers and booleans are parsed from their text, and a value that is
//!   not one is refused; an enum is chosen by its variant's name.

use crate::form_encoding::parse;
use serde::de::value::{CowStrDeserializer, Error, MapDeserializer};
use serde::de::{self, DeserializeOwned, IntoDeserializer, Visitor};
use std::borrow::Cow;

/// Why a form does not fit its struct (a missing or repeated field, a value
/// that is not a number…), in words that name the field.
pub type FormFieldsError = Error;

/// The form `input` (undecoded: a query without its `?`, or a body) read
/// into `T`.
pub fn from_form<T: DeserializeOwned>(input: &[u8]) -> Result<T, FormFieldsError> {
    T::deserialize(MapDeserializer::new(
        parse(input).map(|(name, value)| (name, FieldValue(value))),
    ))
}

/// One decoded value, given to serde as the type its field asks for.
struct FieldValue<'a>(Cow<'a, str>);

impl<'a> FieldValue<'a> {
    fn parsed<T: std::str::FromStr>(&self, what: &str) -> Result<T, Error> {
        self.0
            .parse()
            .map_err(|_| de::Error::custom(format_args!("a value is not {what}")))
    }

    fn text(self) -> CowStrDeserializer<'a, Error> {
        self.0.into_deserializer()
    }
}

impl<'de, 'a> IntoDeserializer<'de, Error> for FieldValue<'a> {
    type Deserializer = Self;

    fn into_deserializer(self) -> Self {
        self
    }
}

macro_rules! parsed_number {
    ($($method:ident => $visit:ident : $ty:ty, $what:literal;)*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
            visitor.$visit(self.parsed::<$ty>($what)?)
        }
    )*};
}

impl<'de, 'a> de::Deserializer<'de> for FieldValue<'a> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Cow::Borrowed(text) => visitor.visit_str(text),
            Cow::Owned(text) => visitor.visit_string(text),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_some(self)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        de::Deserializer::deserialize_enum(self.text(), name, variants, visitor)
    }

    parsed_number! {
        deserialize_bool => visit_bool: bool, "true or false";
        deserialize_u8 => visit_u8: u8, "a number";
        deserialize_u16 => visit_u16: u16, "a number";
        deserialize_u32 => visit_u32: u32, "a number";
        deserialize_u64 => visit_u64: u64, "a number";
        deserialize_i8 => visit_i8: i8, "a number";
        deserialize_i16 => visit_i16: i16, "a number";
        deserialize_i32 => visit_i32: i32, "a number";
        deserialize_i64 => visit_i64: i64, "a number";
        deserialize_f32 => visit_f32: f32, "a number";
        deserialize_f64 => visit_f64: f64, "a number";
    }

    serde::forward_to_deserialize_any! {
        char str string bytes byte_buf unit unit_struct seq tuple tuple_struct
        map struct identifier ignored_any i128 u128
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Deserialize, Debug, PartialEq, Default)]
    struct Callback {
        state: Option<String>,
        code: Option<String>,
        page: Option<u32>,
    }

    #[derive(Deserialize, Debug, PartialEq)]
    struct Required {
        csrf: String,
        remember: bool,
    }

    #[derive(Deserialize, Debug, PartialEq)]
    #[serde(rename_all = "snake_case")]
    enum Choice {
        Accept,
        Refuse,
    }

    #[derive(Deserialize, Debug, PartialEq)]
    struct WithChoice {
        choice: Choice,
    }

    fn reference<T: DeserializeOwned>(input: &str) -> Result<T, String> {
        serde_urlencoded::from_str(input).map_err(|e| e.to_string())
    }

    fn ours<T: DeserializeOwned>(input: &str) -> Result<T, String> {
        from_form(input.as_bytes()).map_err(|e| e.to_string())
    }

    #[test]
    fn optional_fields_read_as_serde_urlencoded_reads_them() {
        for input in [
            "",
            "&&",
            "state=abc&code=x%2By+z",
            "code=&state",
            "state=%C3%A9t%C3%A9&other=ignored&page=7",
            "page=0",
            "stat%65=named+by+an+escape",
            "state=%FF%FE",
            "state=a=b&code=%",
        ] {
            let expected: Callback = reference(input).unwrap();
            assert_eq!(ours::<Callback>(input).unwrap(), expected, "{input}");
        }
    }

    #[test]
    fn what_serde_urlencoded_refuses_is_refused() {
        for input in ["state=a&state=b", "page=seven", "page=-1", "page="] {
            assert!(reference::<Callback>(input).is_err(), "{input}");
            let err = ours::<Callback>(input).unwrap_err();
            assert!(!err.is_empty(), "{input}");
        }
        for input in ["remember=true", "csrf=x&remember=yes", "csrf=x"] {
            assert!(reference::<Required>(input).is_err(), "{input}");
            assert!(ours::<Required>(input).is_err(), "{input}");
        }
        assert!(ours::<WithChoice>("choice=maybe").is_err());
    }

    #[test]
    fn required_fields_booleans_and_enums_are_parsed() {
        assert_eq!(
            ours::<Required>("csrf=t0k&remember=false").unwrap(),
            Required {
                csrf: "t0k".into(),
                remember: false
            }
        );
        assert_eq!(
            ours::<WithChoice>("choice=refuse").unwrap(),
            reference::<WithChoice>("choice=refuse").unwrap()
        );
    }

    #[test]
    fn an_error_names_the_field_never_the_value() {
        let err = ours::<Callback>("page=s3cr3t").unwrap_err();
        assert!(!err.contains("s3cr3t"), "{err}");
        let err = ours::<Callback>("state=s3cr3t&state=again").unwrap_err();
        assert!(err.contains("state") && !err.contains("s3cr3t"), "{err}");
        let err = ours::<Required>("remember=true").unwrap_err();
        assert!(err.contains("csrf"), "{err}");
    }
}
