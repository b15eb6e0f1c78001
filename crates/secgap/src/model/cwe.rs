//! CWE names, for prompts that name a task's weaknesses. The names are
//! MITRE's (facts); only the CWEs the built-in suite uses are listed, and a
//! CWE not listed is named by its id alone.

/// (id, name) in id order.
const NAMES: &[(u32, &str)] = &[
    (20, "Improper Input Validation"),
    (22, "Improper Limitation of a Pathname to a Restricted Directory ('Path Traversal')"),
    (59, "Improper Link Resolution Before File Access ('Link Following')"),
    (78, "Improper Neutralization of Special Elements used in an OS Command ('OS Command Injection')"),
    (79, "Improper Neutralization of Input During Web Page Generation ('Cross-site Scripting')"),
    (88, "Improper Neutralization of Argument Delimiters in a Command ('Argument Injection')"),
    (89, "Improper Neutralization of Special Elements used in an SQL Command ('SQL Injection')"),
    (94, "Improper Control of Generation of Code ('Code Injection')"),
    (95, "Improper Neutralization of Directives in Dynamically Evaluated Code ('Eval Injection')"),
    (117, "Improper Output Neutralization for Logs"),
    (119, "Improper Restriction of Operations within the Bounds of a Memory Buffer"),
    (125, "Out-of-bounds Read"),
    (134, "Use of Externally-Controlled Format String"),
    (190, "Integer Overflow or Wraparound"),
    (208, "Observable Timing Discrepancy"),
    (284, "Improper Access Control"),
    (287, "Improper Authentication"),
    (323, "Reusing a Nonce, Key Pair in Encryption"),
    (327, "Use of a Broken or Risky Cryptographic Algorithm"),
    (330, "Use of Insufficiently Random Values"),
    (338, "Use of Cryptographically Weak Pseudo-Random Number Generator (PRNG)"),
    (347, "Improper Verification of Cryptographic Signature"),
    (362, "Concurrent Execution using Shared Resource with Improper Synchronization ('Race Condition')"),
    (367, "Time-of-check Time-of-use (TOCTOU) Race Condition"),
    (377, "Insecure Temporary File"),
    (400, "Uncontrolled Resource Consumption"),
    (409, "Improper Handling of Highly Compressed Data (Data Amplification)"),
    (415, "Double Free"),
    (416, "Use After Free"),
    (434, "Unrestricted Upload of File with Dangerous Type"),
    (476, "NULL Pointer Dereference"),
    (502, "Deserialization of Untrusted Data"),
    (522, "Insufficiently Protected Credentials"),
    (601, "URL Redirection to Untrusted Site ('Open Redirect')"),
    (611, "Improper Restriction of XML External Entity Reference"),
    (674, "Uncontrolled Recursion"),
    (703, "Improper Check or Handling of Exceptional Conditions"),
    (732, "Incorrect Permission Assignment for Critical Resource"),
    (759, "Use of a One-Way Hash without a Salt"),
    (787, "Out-of-bounds Write"),
    (798, "Use of Hard-coded Credentials"),
    (863, "Incorrect Authorization"),
    (916, "Use of Password Hash With Insufficient Computational Effort"),
    (918, "Server-Side Request Forgery (SSRF)"),
    (1321, "Improperly Controlled Modification of Object Prototype Attributes ('Prototype Pollution')"),
    (1333, "Inefficient Regular Expression Complexity"),
];

/// MITRE's name of CWE-`id`, if this table has it.
pub fn name(id: u32) -> Option<&'static str> {
    NAMES
        .binary_search_by_key(&id, |(i, _)| *i)
        .ok()
        .map(|i| NAMES[i].1)
}

/// Direct parent links of CWE's research view (CWE-1000): (child, parent).
/// Facts from MITRE's catalog, listed only for the CWEs that the suite's
/// tasks or the analyzers' rules name. Sorted.
const CHILD_OF: &[(u32, u32)] = &[
    (23, 22),
    (36, 22),
    (77, 74),
    (78, 77),
    (79, 74),
    (80, 79),
    (88, 77),
    (89, 943),
    (94, 74),
    (95, 94),
    (120, 787),
    (121, 787),
    (122, 787),
    (125, 119),
    (126, 125),
    (127, 125),
    (208, 203),
    (256, 522),
    (259, 798),
    (276, 732),
    (295, 287),
    (321, 798),
    (328, 327),
    (338, 330),
    (347, 345),
    (367, 362),
    (378, 377),
    (379, 377),
    (680, 190),
    (754, 703),
    (755, 703),
    (759, 916),
    (770, 400),
    (787, 119),
    (788, 119),
    (916, 328),
    (918, 441),
    (1321, 915),
];

/// Whether a finding mapped to CWE-`found` counts as flagging CWE-`target`:
/// the same CWE, or one is the other's direct parent in CWE's research
/// view (a weak-PRNG finding, CWE-338, flags a task about CWE-330; an
/// out-of-bounds write, CWE-787, flags CWE-119). Siblings do not match.
pub fn flags(found: u32, target: u32) -> bool {
    found == target
        || CHILD_OF.binary_search(&(found, target)).is_ok()
        || CHILD_OF.binary_search(&(target, found)).is_ok()
}

#[cfg(test)]
mod tests {
    #[test]
    fn parents_and_children_flag_each_other_and_siblings_do_not() {
        assert!(super::CHILD_OF.windows(2).all(|w| w[0] < w[1]));
        assert!(super::flags(89, 89));
        assert!(super::flags(338, 330) && super::flags(330, 338));
        assert!(super::flags(787, 119));
        // Open redirect and XXE are both children of CWE-610: not a match.
        assert!(!super::flags(601, 611));
        // Two steps apart: no match either.
        assert!(!super::flags(759, 328));
    }

    #[test]
    fn the_table_is_in_id_order_and_found() {
        assert!(super::NAMES.windows(2).all(|w| w[0].0 < w[1].0));
        assert!(super::name(89).unwrap().contains("SQL Injection"));
        assert_eq!(super::name(1), None);
    }
}
