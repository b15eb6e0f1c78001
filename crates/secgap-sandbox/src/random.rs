//! Random tokens from the operating system (the verdict channel's nonce,
//! temporary names). They fail loudly: a predictable nonce would let the
//! code under test forge verdicts.

use anyhow::{anyhow, Result};

/// `bytes` random bytes from the operating system, as lowercase hex; an
/// error if the operating system has none to give.
pub fn try_random_hex(bytes: usize) -> Result<String> {
    let mut buf = vec![0u8; bytes];
    getrandom::getrandom(&mut buf)
        .map_err(|e| anyhow!("the operating system gave no random bytes: {e}"))?;
    Ok(buf.iter().map(|b| format!("{b:02x}")).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_hex_of_the_asked_length_and_differ() {
        let a = try_random_hex(16).unwrap();
        let b = try_random_hex(16).unwrap();
        assert_eq!(a.len(), 32);
        assert!(a
            .chars()
            .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
        assert_ne!(a, b);
        assert_eq!(try_random_hex(0).unwrap(), "");
    }
}
