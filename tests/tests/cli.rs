//! The `vrs` command line and the demo, end to end.

use vrs_local::demo::{DemoOptions, run};

#[tokio::test(flavor = "multi_thread")]
async fn the_demo_runs_a_federation_and_every_verification_passes() {
    let out = run(DemoOptions {
        reports: 30,
        ..DemoOptions::default()
    })
    .await
    .expect("demo succeeds");
    for state in ["AUS", "IDN", "THA"] {
        assert!(
            out.contains(&format!(
                "{state}: 30 reports accepted, 0 refused, 5 amended, 5 retracted"
            )),
            "{out}"
        );
        assert!(
            out.contains(&format!("{state}: sample receipt VERIFIED")),
            "{out}"
        );
        assert!(
            out.contains(&format!("{state}: log audit VERIFIED")),
            "{out}"
        );
    }
    assert!(!out.contains("FAILED"), "{out}");
    assert!(!out.contains("ERROR"), "{out}");
    for state in ["AUS", "IDN", "THA"] {
        assert!(
            out.contains(&format!("{state}: 7 tables released and signed")),
            "{out}"
        );
    }
    assert!(
        out.contains("21 of 21 releases held by ROSEAP VERIFIED"),
        "{out}"
    );
    for state in ["AUS", "IDN", "THA"] {
        assert!(
            out.contains(&format!("ROSEAP <- {state}: fetched ")),
            "{out}"
        );
    }
    assert!(!out.contains("DIFFERS"), "{out}");
    // Each State's directory reaches every node, verified under its origin's key.
    for state in ["AUS", "IDN", "THA"] {
        assert!(
            out.contains(&format!("  {state}: version 1 with 2 entries")),
            "{out}"
        );
        assert!(
            out.contains(&format!(
                "{state} holds the directories of AUS, IDN, THA (verified under each origin's key)"
            )),
            "{out}"
        );
    }
    assert!(!out.contains("NOT VERIFIED"), "{out}");
    // The secretariat's node takes the three directories too, some relayed: each once.
    let taken: u64 = out
        .lines()
        .filter(|l| l.trim_start().starts_with("ROSEAP <- "))
        .filter_map(|l| l.split("directories ").nth(1))
        .filter_map(|rest| rest.split(',').next()?.trim().parse::<u64>().ok())
        .sum();
    assert_eq!(taken, 3, "{out}");
    assert!(
        out.contains("regional table MOVEMENTS 2026-M10 (sum of 3 national releases"),
        "{out}"
    );
    assert!(
        out.contains("AUS+IDN+THA,2026-M10,MOVEMENTS,_T,_T,_T,EVENTS,"),
        "{out}"
    );
    // Reciprocity: AUS releases 2026-M09 under `period`; IDN, which has not released
    // it, is refused it, then releases it and gets it.
    assert!(
        out.contains("IDN <- AUS: fetched 0,")
            && out.contains("7 withheld from IDN by reciprocity"),
        "{out}"
    );
    assert!(
        out.contains("IDN asks AUS for MOVEMENTS 2026-M09: refused, withheld by reciprocity"),
        "{out}"
    );
    assert!(
        out.contains("IDN released 2026-M09: it now holds AUS's 7 releases of 2026-M09"),
        "{out}"
    );
    assert!(
        out.contains("demo finished: every verification passed"),
        "{out}"
    );
}
