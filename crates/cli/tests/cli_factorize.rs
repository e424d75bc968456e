//! End-to-end runs of `ferroflux factorize`: the synthetic default, real
//! CSV files (see `data/README.md`) and bad input files.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Runs the binary with `args` and returns its output.
fn ferroflux(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ferroflux"))
        .args(args)
        .output()
        .expect("the ferroflux binary starts")
}

/// Returns an empty folder for one test.
fn scratch(name: &str) -> PathBuf {
    let folder = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("cli-tests")
        .join(name);
    let _ = std::fs::remove_dir_all(&folder);
    std::fs::create_dir_all(&folder).unwrap();
    folder
}

fn data(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
        .display()
        .to_string()
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Reads a header-free CSV of numbers into rows.
fn read_numbers(path: &Path) -> Vec<Vec<f64>> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|line| line.split(',').map(|cell| cell.parse().unwrap()).collect())
        .collect()
}

fn report(folder: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(folder.join("report.json")).unwrap()).unwrap()
}

/// Asserts that `path` is a PNG file of more than 1 kB.
fn assert_png(path: &Path) {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert!(
        bytes.len() > 1000,
        "{} has {} bytes",
        path.display(),
        bytes.len()
    );
    assert_eq!(
        &bytes[..8],
        b"\x89PNG\r\n\x1a\n",
        "{} is not a PNG",
        path.display()
    );
}

/// Runs the binary expecting failure and returns stderr.
fn failure(args: &[&str]) -> String {
    let output = ferroflux(args);
    let message = stderr(&output);
    assert_eq!(
        output.status.code(),
        Some(1),
        "exit status; stderr: {message}"
    );
    assert!(message.starts_with("error: "), "{message}");
    assert!(!message.contains("panicked"), "{message}");
    assert!(output.stdout.is_empty(), "stdout: {}", stdout(&output));
    message
}

#[test]
fn default_run_fits_synthetic_problem_twice() {
    let out = scratch("default");
    let output = ferroflux(&["factorize", "--out", out.to_str().unwrap()]);
    assert!(output.status.success(), "stderr: {}", stderr(&output));
    // stderr is a pipe here, so the progress bar of the 2000-iteration fit stays off.
    assert!(output.stderr.is_empty(), "stderr: {}", stderr(&output));

    let text = stdout(&output);
    assert!(
        text.contains("synthetic problem of the Flux time-series example"),
        "{text}"
    );
    assert!(text.contains("rank-3 SVD"), "{text}");
    assert!(text.contains("simplex NMF, default objective"), "{text}");
    assert!(
        text.contains("simplex NMF, Flux example's objective and settings"),
        "{text}"
    );

    // The default fit has k = 3 rows of H, the Flux example's fit k + 1 = 4.
    let h = read_numbers(&out.join("H.csv"));
    assert_eq!((h.len(), h[0].len()), (3, 10));
    for j in 0..10 {
        let sum: f64 = h.iter().map(|row| row[j]).sum();
        assert!((sum - 1.0).abs() < 1e-9, "column {j} of H sums to {sum}");
    }
    let h_seed = read_numbers(&out.join("H_seed_objective.csv"));
    assert_eq!((h_seed.len(), h_seed[0].len()), (4, 10));
    let w = read_numbers(&out.join("W.csv"));
    assert_eq!((w.len(), w[0].len()), (20, 3));

    let report = report(&out);
    assert_eq!(report["time_steps"], 20);
    assert_eq!(report["series"], 10);
    assert!(report["backend"].as_str().unwrap().contains("thread"));
    // The problem is W·H with k = 3, so the rank-3 SVD is exact.
    assert!(report["svd"]["relative_error"].as_f64().unwrap() < 1e-10);
    let fits = report["nmf"].as_array().unwrap();
    assert_eq!(fits.len(), 2);
    assert_eq!(fits[1]["settings"]["iterations"], 2000);
    assert_eq!(fits[1]["settings"]["objective"], "Seed");
    assert!(fits[0]["relative_error"].as_f64().unwrap() < 0.05);
    assert!(fits[0]["seconds"].as_f64().unwrap() > 0.0);

    for picture in [
        "series",
        "basis",
        "weights",
        "correlation",
        "loss",
        "weights_seed_objective",
        "loss_seed_objective",
    ] {
        assert_png(&out.join(format!("{picture}.png")));
    }
    let page = std::fs::read_to_string(out.join("index.html")).unwrap();
    assert!(
        page.contains("<img src=\"weights.png\""),
        "index.html lacks the weights picture"
    );
    assert!(
        page.contains("series 10"),
        "index.html lacks the component table"
    );
}

#[test]
fn elnino_csv_keeps_years_as_names() {
    let out = scratch("elnino");
    let input = data("elnino_sst_monthly_12x61.csv");
    let output = ferroflux(&[
        "factorize",
        "--input",
        &input,
        "--k",
        "3",
        "--iterations",
        "800",
        "--time-label",
        "month",
        "--time-start",
        "1",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(output.status.success(), "stderr: {}", stderr(&output));
    let text = stdout(&output);
    assert!(text.contains("12 time steps x 61 series"), "{text}");
    assert!(
        !text.contains("Flux example's objective"),
        "only one NMF fit with --input: {text}"
    );

    let h = std::fs::read_to_string(out.join("H.csv")).unwrap();
    let mut lines = h.lines();
    assert!(
        lines.next().unwrap().starts_with("1950,1951,1952"),
        "H.csv header"
    );
    assert_eq!(lines.count(), 3);
    let w = std::fs::read_to_string(out.join("W.csv")).unwrap();
    let first: Vec<&str> = w.lines().next().unwrap().split(',').collect();
    assert_eq!(first.len(), 3, "W.csv has one number per component");
    assert!(
        first.iter().all(|cell| cell.parse::<f64>().is_ok()),
        "W.csv has no header: {first:?}"
    );
    assert_eq!(w.lines().count(), 12, "W.csv has one row per month");

    let report = report(&out);
    let components = report["nmf"][0]["components"].as_array().unwrap();
    let total: usize = components
        .iter()
        .map(|c| c["series"].as_array().unwrap().len())
        .sum();
    assert_eq!(total, 61, "every year belongs to one component");
    let page = std::fs::read_to_string(out.join("index.html")).unwrap();
    assert!(page.contains("1997"), "index.html names the years");
}

#[test]
fn series_names_file_renames_series() {
    let out = scratch("names");
    let names = out.join("names.csv");
    std::fs::write(
        &names,
        "code,name\n1997,\"1997, El Niño\"\n1998,1998 (El Niño)\n",
    )
    .unwrap();
    let input = data("elnino_sst_monthly_12x61.csv");
    let output = ferroflux(&[
        "factorize",
        "--input",
        &input,
        "--iterations",
        "300",
        "--series-names",
        names.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(output.status.success(), "stderr: {}", stderr(&output));
    assert!(
        stderr(&output).contains("59 of 61 series names"),
        "{}",
        stderr(&output)
    );
    let page = std::fs::read_to_string(out.join("index.html")).unwrap();
    assert!(
        page.contains("1997, El Niño"),
        "index.html uses the mapped name"
    );
    let h = std::fs::read_to_string(out.join("H.csv")).unwrap();
    assert!(
        h.starts_with("1950,"),
        "H.csv keeps the header of the input"
    );
}

#[test]
fn regularisation_path_on_scaled_employment() {
    let out = scratch("path");
    let input = data("us_employment_120x22.csv");
    let output = ferroflux(&[
        "factorize",
        "--input",
        &input,
        "--scaling",
        "mean",
        "--iterations",
        "400",
        "--path",
        "0,0.1,1",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(output.status.success(), "stderr: {}", stderr(&output));
    assert!(
        stdout(&output).contains("regularisation path"),
        "{}",
        stdout(&output)
    );
    let report = report(&out);
    let path = report["path"].as_array().unwrap();
    assert_eq!(path.len(), 3);
    assert_eq!(path[2]["prior_weight"], 1.0);
    assert_eq!(report["nmf"][0]["scale"].as_array().unwrap().len(), 22);
    assert_png(&out.join("path.png"));
    let page = std::fs::read_to_string(out.join("index.html")).unwrap();
    assert!(
        page.contains("<h2>Regularisation path</h2>"),
        "index.html lacks the path table"
    );
}

#[test]
fn ragged_row_names_line() {
    let folder = scratch("ragged");
    let file = folder.join("ragged.csv");
    std::fs::write(&file, "a,b,c\n1,2,3\n4,5\n").unwrap();
    let message = failure(&[
        "factorize",
        "--input",
        file.to_str().unwrap(),
        "--out",
        folder.to_str().unwrap(),
    ]);
    assert!(message.contains("line 3"), "{message}");
    assert!(message.contains("expected 3 cells"), "{message}");
    assert!(message.contains("found 2"), "{message}");
}

#[test]
fn non_numeric_cell_names_line_and_column() {
    let folder = scratch("non-numeric");
    let file = folder.join("text.csv");
    std::fs::write(&file, "a,b\n1.5,2.5\n3.5,abc\n").unwrap();
    let message = failure(&[
        "factorize",
        "--input",
        file.to_str().unwrap(),
        "--out",
        folder.to_str().unwrap(),
    ]);
    assert!(message.contains("line 3, column 2"), "{message}");
    assert!(message.contains("\"abc\""), "{message}");
}

#[test]
fn empty_file_is_reported() {
    let folder = scratch("empty");
    let file = folder.join("empty.csv");
    std::fs::write(&file, "").unwrap();
    let message = failure(&[
        "factorize",
        "--input",
        file.to_str().unwrap(),
        "--out",
        folder.to_str().unwrap(),
    ]);
    assert!(message.contains("empty.csv"), "{message}");
    assert!(message.contains("no data rows"), "{message}");
}

#[test]
fn missing_file_is_reported() {
    let folder = scratch("missing");
    let file = folder.join("no-such-file.csv");
    let message = failure(&[
        "factorize",
        "--input",
        file.to_str().unwrap(),
        "--out",
        folder.to_str().unwrap(),
    ]);
    assert!(message.contains("file not found"), "{message}");
    assert!(message.contains("no-such-file.csv"), "{message}");
    assert!(!folder.join("report.json").exists());
}

#[test]
fn invalid_k_is_reported() {
    let folder = scratch("bad-k");
    let input = data("elnino_sst_monthly_12x61.csv");
    let message = failure(&[
        "factorize",
        "--input",
        &input,
        "--k",
        "0",
        "--out",
        folder.to_str().unwrap(),
    ]);
    assert!(message.contains("k = 0"), "{message}");
}

#[test]
fn backend_subcommand_prints_blas() {
    let output = ferroflux(&["backend"]);
    assert!(output.status.success());
    assert!(stdout(&output).contains("thread"), "{}", stdout(&output));
}

#[test]
fn nan_cell_names_row_and_series() {
    let folder = scratch("nan");
    let file = folder.join("nan.csv");
    std::fs::write(&file, "north,south\n1.5,2.5\n3.5,NaN\n").unwrap();
    let message = failure(&[
        "factorize",
        "--input",
        file.to_str().unwrap(),
        "--out",
        folder.to_str().unwrap(),
    ]);
    assert!(
        message.contains("data row 2, column 2 (series south)"),
        "{message}"
    );
    assert!(message.contains("NaN"), "{message}");
}
