//! Splitting header text at an ASCII separator, without `str::split`'s per-piece set-up.

/// `s[range]` where the caller has checked that `range` falls on character boundaries (it
/// was found by looking for ASCII bytes): a failed debug assertion, and the empty string in a
/// release build, rather than a panic, if that ever stops being true.
#[inline]
pub(crate) fn at_boundaries<R>(s: &str, range: R) -> &str
where
    R: std::slice::SliceIndex<str, Output = str> + std::fmt::Debug + Clone,
{
    let piece = s.get(range.clone());
    debug_assert!(
        piece.is_some(),
        "{range:?} is not on character boundaries of {s:?}"
    );
    piece.unwrap_or_default()
}

/// `s` split at every `sep` (an ASCII byte), as [`str::split`] with a `char` gives it, by a
/// plain byte loop: header values are short, so this beats the `memchr` that `str::split`
/// sets up for every piece.
#[inline]
pub(crate) fn split_ascii(s: &str, sep: u8) -> impl Iterator<Item = &str> {
    debug_assert!(sep.is_ascii());
    let mut rest = Some(s);
    std::iter::from_fn(move || {
        let s = rest?;
        match s.bytes().position(|b| b == sep) {
            // `sep` is ASCII, so both sides of it are on character boundaries.
            Some(i) => {
                rest = s.get(i + 1..);
                s.get(..i)
            }
            None => rest.take(),
        }
    })
}

/// `s` split at its first `sep` (an ASCII byte), as [`str::split_once`] with a `char`.
#[inline]
pub(crate) fn split_once_ascii(s: &str, sep: u8) -> Option<(&str, &str)> {
    let i = s.bytes().position(|b| b == sep)?;
    Some((s.get(..i)?, s.get(i + 1..)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ascii_splits_match_str_split() {
        for s in [
            "", ",", "a", "a,b", ",a,,b,", "k=v,é=1", "=", "a=b=c", "==,",
        ] {
            assert_eq!(
                split_ascii(s, b',').collect::<Vec<_>>(),
                s.split(',').collect::<Vec<_>>(),
                "{s:?}"
            );
            assert_eq!(split_once_ascii(s, b'='), s.split_once('='), "{s:?}");
        }
    }

    proptest::proptest! {
        #[test]
        fn ascii_splits_match_str_split_for_any_text(s in "[a,=;\u{e9} ]{0,12}") {
            proptest::prop_assert_eq!(
                split_ascii(&s, b';').collect::<Vec<_>>(),
                s.split(';').collect::<Vec<_>>()
            );
            proptest::prop_assert_eq!(split_once_ascii(&s, b'='), s.split_once('='));
        }
    }
}
