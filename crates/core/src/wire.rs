//! Reading what the widget receives (backend answers, the providers' browser APIs, the mount
//! options, what it kept in storage) with serde, and saying which value did not fit.
//!
//! Every type is read by its serde `Deserialize`, through whatever deserializer the caller
//! has: serde-wasm-bindgen's over a JS value in the browser, serde_json's in native tests
//! and fuzzing. Serde's own messages name a missing field but not where a value of the wrong
//! type sits (`invalid type: string "x", expected a boolean`). [`read`] wraps the
//! deserializer so that each object member and array element it enters is written on a path,
//! and a failure leaves the path at the value that failed: `methods[0].kind: unknown variant
//! …`.
//!
//! The wrapper is deliberately shallow, for the bytes a shopper downloads: it steps into
//! structs, maps, sequences and options (where a value can sit deeper) and hands every other
//! request to the inner deserializer untouched, so a scalar is read by exactly the code it
//! would be read by without the wrapper.

use std::cell::RefCell;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;

/// What is wrong, and where (`methods[0].kind`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReadError {
    /// The path of the bad value; empty for the whole document.
    pub path: String,
    /// What is wrong with it, in serde's words.
    pub problem: String,
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            f.write_str(&self.problem)
        } else {
            write!(f, "{}: {}", self.path, self.problem)
        }
    }
}

/// Reads a `T` from `deserializer`; on failure, the path of the value that did not fit.
///
/// # Errors
/// The first value that does not fit, with its path and serde's message.
pub fn read<'de, T: Deserialize<'de>, D: Deserializer<'de>>(deserializer: D) -> Result<T, ReadError> {
    let path = Path::default();
    T::deserialize(Tracked { inner: deserializer, path: &path })
        .map_err(|e| ReadError { path: path.to_string(), problem: e.to_string() })
}

/// Reads one of a closed set of names (a status, a currency, a kind) as `parse` knows them.
///
/// The `Deserialize` of each such type in this crate, in place of serde's derived enum
/// reader: every one of them then shares serde's one string reader, which is fewer bytes in
/// the widget than a derived visitor per type.
///
/// # Errors
/// The value is not a string, or not a name `parse` knows (`what` says what it should be).
pub fn by_name<'de, D: Deserializer<'de>, T>(
    deserializer: D,
    parse: fn(&str) -> Option<T>,
    what: &str,
) -> Result<T, D::Error> {
    let name = String::deserialize(deserializer)?;
    parse(&name).ok_or_else(|| de::Error::custom(format_args!("`{name}` is not a known {what}")))
}

/// A member whose absence means its default, with `null` and JS `undefined` read as absent
/// too: `#[serde(default, deserialize_with = "wire::or_default")]`. For what merchants write
/// in JS (`{backendUrl: undefined}`, or an attribute the element removed), where serde alone
/// would refuse a present `undefined`.
///
/// # Errors
/// A present value that is not a `T`.
pub fn or_default<'de, D: Deserializer<'de>, T: Deserialize<'de> + Default>(deserializer: D) -> Result<T, D::Error> {
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

/// Where the reading is: the members and elements entered and not yet left.
#[derive(Default)]
struct Path(RefCell<Vec<Step>>);

enum Step {
    Member(String),
    Element(usize),
}

impl Path {
    fn push(&self, step: Step) {
        if let Ok(mut steps) = self.0.try_borrow_mut() {
            steps.push(step);
        }
    }

    fn pop(&self) {
        if let Ok(mut steps) = self.0.try_borrow_mut() {
            steps.pop();
        }
    }
}

impl fmt::Display for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Ok(steps) = self.0.try_borrow() else { return Ok(()) };
        for (i, step) in steps.iter().enumerate() {
            match step {
                Step::Member(name) if i == 0 => f.write_str(name)?,
                Step::Member(name) => write!(f, ".{name}")?,
                Step::Element(index) => write!(f, "[{index}]")?,
            }
        }
        Ok(())
    }
}

/// The deserializer being read, keeping [`Path`] up to date where a value can hold others.
struct Tracked<'p, D> {
    inner: D,
    path: &'p Path,
}

/// A visitor whose maps, sequences and optional values are tracked.
struct Nested<'p, V> {
    inner: V,
    path: &'p Path,
}

/// Forwards the deserializer methods that only read a value of their own (no members).
macro_rules! untracked {
    ($($method:ident),*) => {
        $(fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
            self.inner.$method(visitor)
        })*
    };
}

impl<'de, D: Deserializer<'de>> Deserializer<'de> for Tracked<'_, D> {
    type Error = D::Error;

    untracked!(
        deserialize_any,
        deserialize_bool,
        deserialize_i8,
        deserialize_i16,
        deserialize_i32,
        deserialize_i64,
        deserialize_u8,
        deserialize_u16,
        deserialize_u32,
        deserialize_u64,
        deserialize_f32,
        deserialize_f64,
        deserialize_char,
        deserialize_str,
        deserialize_string,
        deserialize_bytes,
        deserialize_byte_buf,
        deserialize_unit,
        deserialize_identifier,
        deserialize_ignored_any
    );

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        self.inner.deserialize_option(Nested { inner: visitor, path: self.path })
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(self, name: &'static str, visitor: V) -> Result<V::Value, D::Error> {
        self.inner.deserialize_unit_struct(name, visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(self, name: &'static str, visitor: V) -> Result<V::Value, D::Error> {
        self.inner.deserialize_newtype_struct(name, visitor)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        self.inner.deserialize_seq(Nested { inner: visitor, path: self.path })
    }

    fn deserialize_tuple<V: Visitor<'de>>(self, len: usize, visitor: V) -> Result<V::Value, D::Error> {
        self.inner.deserialize_tuple(len, Nested { inner: visitor, path: self.path })
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.inner.deserialize_tuple_struct(name, len, visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        self.inner.deserialize_map(Nested { inner: visitor, path: self.path })
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.inner.deserialize_struct(name, fields, Nested { inner: visitor, path: self.path })
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.inner.deserialize_enum(name, variants, visitor)
    }

    fn is_human_readable(&self) -> bool {
        self.inner.is_human_readable()
    }
}

impl<'de, V: Visitor<'de>> Visitor<'de> for Nested<'_, V> {
    type Value = V::Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.inner.expecting(f)
    }

    fn visit_none<E: de::Error>(self) -> Result<V::Value, E> {
        self.inner.visit_none()
    }

    fn visit_unit<E: de::Error>(self) -> Result<V::Value, E> {
        self.inner.visit_unit()
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<V::Value, D::Error> {
        self.inner.visit_some(Tracked { inner: deserializer, path: self.path })
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<V::Value, A::Error> {
        self.inner.visit_map(Members { inner: map, path: self.path })
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<V::Value, A::Error> {
        self.inner.visit_seq(Elements { inner: seq, path: self.path, index: 0 })
    }
}

/// An object's members: the name goes on the path when it is read, and comes off once its
/// value has been read.
struct Members<'p, A> {
    inner: A,
    path: &'p Path,
}

impl<'de, A: MapAccess<'de>> MapAccess<'de> for Members<'_, A> {
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, A::Error> {
        self.inner.next_key_seed(Name { inner: seed, path: self.path })
    }

    fn next_value_seed<S: DeserializeSeed<'de>>(&mut self, seed: S) -> Result<S::Value, A::Error> {
        let value = self.inner.next_value_seed(Inside { inner: seed, path: self.path })?;
        self.path.pop();
        Ok(value)
    }

    fn size_hint(&self) -> Option<usize> {
        self.inner.size_hint()
    }
}

/// An array's elements: the index is on the path while the element is read.
struct Elements<'p, A> {
    inner: A,
    path: &'p Path,
    index: usize,
}

impl<'de, A: SeqAccess<'de>> SeqAccess<'de> for Elements<'_, A> {
    type Error = A::Error;

    fn next_element_seed<S: DeserializeSeed<'de>>(&mut self, seed: S) -> Result<Option<S::Value>, A::Error> {
        self.path.push(Step::Element(self.index));
        let element = self.inner.next_element_seed(Inside { inner: seed, path: self.path })?;
        self.path.pop();
        self.index += 1;
        Ok(element)
    }

    fn size_hint(&self) -> Option<usize> {
        self.inner.size_hint()
    }
}

/// A member's or an element's value, read with the path kept.
struct Inside<'p, S> {
    inner: S,
    path: &'p Path,
}

impl<'de, S: DeserializeSeed<'de>> DeserializeSeed<'de> for Inside<'_, S> {
    type Value = S::Value;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<S::Value, D::Error> {
        self.inner.deserialize(Tracked { inner: deserializer, path: self.path })
    }
}

/// A member's name: read as it would be, and put on the path.
struct Name<'p, S> {
    inner: S,
    path: &'p Path,
}

impl<'de, S: DeserializeSeed<'de>> DeserializeSeed<'de> for Name<'_, S> {
    type Value = S::Value;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<S::Value, D::Error> {
        self.inner.deserialize(NameReader { inner: deserializer, path: self.path })
    }
}

/// The deserializer of a member's name: whatever way the name is asked for, the text goes
/// on the path on its way to the visitor.
struct NameReader<'p, D> {
    inner: D,
    path: &'p Path,
}

impl<'de, D: Deserializer<'de>> Deserializer<'de> for NameReader<'_, D> {
    type Error = D::Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        self.inner.deserialize_any(Named { inner: visitor, path: self.path })
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        self.inner.deserialize_identifier(Named { inner: visitor, path: self.path })
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        self.inner.deserialize_str(Named { inner: visitor, path: self.path })
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        self.inner.deserialize_string(Named { inner: visitor, path: self.path })
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char bytes byte_buf option unit
        unit_struct newtype_struct seq tuple tuple_struct map struct enum ignored_any
    }
}

/// A member name's visitor: writes the name on the path, then hands it on.
struct Named<'p, V> {
    inner: V,
    path: &'p Path,
}

impl<'de, V: Visitor<'de>> Visitor<'de> for Named<'_, V> {
    type Value = V::Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.inner.expecting(f)
    }

    fn visit_str<E: de::Error>(self, name: &str) -> Result<V::Value, E> {
        self.path.push(Step::Member(name.to_owned()));
        self.inner.visit_str(name)
    }

    fn visit_borrowed_str<E: de::Error>(self, name: &'de str) -> Result<V::Value, E> {
        self.path.push(Step::Member(name.to_owned()));
        self.inner.visit_borrowed_str(name)
    }

    fn visit_string<E: de::Error>(self, name: String) -> Result<V::Value, E> {
        self.path.push(Step::Member(name.clone()));
        self.inner.visit_string(name)
    }

    fn visit_u64<E: de::Error>(self, index: u64) -> Result<V::Value, E> {
        self.path.push(Step::Member(index.to_string()));
        self.inner.visit_u64(index)
    }
}

#[cfg(test)]
mod tests;
