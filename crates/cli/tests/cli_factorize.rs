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

/// Returns the path of a data file of this crate's tests.
fn data(name: &str) -> String {
    crate_path("tests/data", name)
}

/// Returns the path of a data file of the factorize crate.
fn factorize_data(name: &str) -> String {
    crate_path("../factorize/data", name)
}

fn crate_path(folder: &str, name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(folder)
        .join(name);
    path.display().to_string()
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

/// Runs `ferroflux factorize` with `args` and `--out out`, asserts that it
/// succeeded and returns its output.
fn factorize(out: &Path, args: &[&str]) -> Output {
    let mut all = vec!["factorize", "--out", out.to_str().unwrap()];
    all.extend_from_slice(args);
    let output = ferroflux(&all);
    assert!(output.status.success(), "stderr: {}", stderr(&output));
    output
}

/// Returns the text of `name` in `folder`.
fn read_text(folder: &Path, name: &str) -> String {
    let path = folder.join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Writes `contents` into the file `name` of a fresh folder for `test` and
/// returns the folder and the file.
fn input_file(test: &str, name: &str, contents: &str) -> (PathBuf, PathBuf) {
    let folder = scratch(test);
    let file = folder.join(name);
    std::fs::write(&file, contents).unwrap();
    (folder, file)
}

/// Runs `ferroflux factorize` with `args` and `--out out`, expects it to
/// fail and returns stderr.
fn factorize_fails(out: &Path, args: &[&str]) -> String {
    let mut all = vec!["factorize", "--out", out.to_str().unwrap()];
    all.extend_from_slice(args);
    failure(&all)
}

/// Runs `ferroflux factorize --input input` with `extra` options and the
/// folder `report` beside `input` as `--out`, expects the run to fail and
/// returns stderr.
fn input_fails(input: &Path, extra: &[&str]) -> String {
    let out = input.parent().unwrap().join("report");
    let mut args = vec!["--input", input.to_str().unwrap()];
    args.extend_from_slice(extra);
    factorize_fails(&out, &args)
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
    let output = factorize(&out, &[]);
    // stderr is a pipe here, so the progress bar of the 2000-iteration fit
    // stays off and stderr holds only the warnings of the two fits.
    let printed = stderr(&output);
    for line in printed.lines() {
        assert!(line.starts_with("warning: "), "stderr line: {line}");
    }

    let text = stdout(&output);
    assert!(
        text.contains("synthetic problem of the Flux time-series example"),
        "{text}"
    );
    assert!(text.contains("rank-3 SVD"), "{text}");
    assert!(text.contains("simplex NMF, gaussian objective"), "{text}");
    assert!(
        text.contains("simplex NMF, Flux example's objective and settings"),
        "{text}"
    );

    // The Flux example's fit has k + 1 components, and the summary states
    // it. Every fit gets its list of series per component.
    assert!(
        text.contains(
            "(simplex NMF, Flux example's objective and settings fits k + 1 = 4 components"
        ),
        "{text}"
    );
    assert!(
        text.contains("series per component (simplex NMF, gaussian objective):"),
        "{text}"
    );
    assert!(
        text.contains(
            "series per component (simplex NMF, Flux example's objective and settings, \
             4 components = k + 1):"
        ),
        "{text}"
    );
    // The gaussian fit puts 7 of the 10 series on component 1, one more
    // than a list shows before "and N more", so all 7 are named.
    assert!(!text.contains("and 1 more"), "{text}");
    let component_1 = text
        .lines()
        .skip_while(|line| !line.starts_with("series per component (simplex NMF, gaussian"))
        .nth(1)
        .unwrap();
    let names = component_1.strip_prefix("  1: 7 series: ").unwrap();
    assert_eq!(names.split("; ").count(), 7, "{component_1}");

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
    assert_eq!(report["svd"]["k"], 3);
    assert_eq!(report["svd"]["limited_by_data_rank"], false);
    // The problem is W·H with k = 3, so the rank-3 SVD is exact.
    assert!(report["svd"]["relative_error"].as_f64().unwrap() < 1e-10);
    let fits = report["nmf"].as_array().unwrap();
    assert_eq!(fits.len(), 2);
    assert_eq!(fits[1]["settings"]["iterations"], 2000);
    assert_eq!(fits[1]["settings"]["objective"], "Seed");
    assert!(fits[0]["relative_error"].as_f64().unwrap() < 0.05);
    assert!(fits[0]["seconds"].as_f64().unwrap() > 0.0);
    let reported: usize = fits
        .iter()
        .map(|fit| fit["warnings"].as_array().unwrap().len())
        .sum();
    assert_eq!(printed.lines().count(), reported, "warnings: {printed}");

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
    let page = read_text(&out, "index.html");
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
    let output = factorize(
        &out,
        &[
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
            "--basis-ridge",
            "0.5",
        ],
    );
    let text = stdout(&output);
    assert!(text.contains("12 time steps x 61 series"), "{text}");
    assert!(
        !text.contains("Flux example's objective"),
        "only one NMF fit with --input: {text}"
    );

    let h = read_text(&out, "H.csv");
    let mut lines = h.lines();
    assert!(
        lines.next().unwrap().starts_with("1950,1951,1952"),
        "H.csv header"
    );
    assert_eq!(lines.count(), 3);
    let w = read_text(&out, "W.csv");
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
    assert_eq!(report["nmf"][0]["settings"]["basis_ridge"], 0.5);
    let page = read_text(&out, "index.html");
    assert!(page.contains("1997"), "index.html names the years");
}

#[test]
fn series_names_file_renames_series() {
    let (folder, names) = input_file(
        "names",
        "names.csv",
        "code,name\n1997,\"1997, El Niño\"\n1998,1998 (El Niño)\n",
    );
    let out = folder.join("report");
    let input = data("elnino_sst_monthly_12x61.csv");
    let output = factorize(
        &out,
        &[
            "--input",
            &input,
            "--iterations",
            "300",
            "--series-names",
            names.to_str().unwrap(),
        ],
    );
    assert!(
        stderr(&output).contains("59 of 61 series names"),
        "{}",
        stderr(&output)
    );
    let page = read_text(&out, "index.html");
    assert!(
        page.contains("1997, El Niño"),
        "index.html uses the mapped name"
    );
    let h = read_text(&out, "H.csv");
    assert!(
        h.starts_with("1950,"),
        "H.csv keeps the header of the input"
    );
}

#[test]
fn regularisation_path_on_scaled_employment() {
    let out = scratch("path");
    let input = data("us_employment_120x22.csv");
    let output = factorize(
        &out,
        &[
            "--input",
            &input,
            "--scaling",
            "mean",
            "--iterations",
            "400",
            "--path",
            "0,0.1,1",
        ],
    );
    assert!(
        stdout(&output).contains("regularisation path"),
        "{}",
        stdout(&output)
    );
    assert!(
        !stderr(&output).contains("differ in size"),
        "{}",
        stderr(&output)
    );
    let report = report(&out);
    let path = report["path"].as_array().unwrap();
    assert_eq!(path.len(), 3);
    assert_eq!(path[2]["prior_weight"], 1.0);
    assert_eq!(report["nmf"][0]["scale"].as_array().unwrap().len(), 22);
    assert_png(&out.join("path.png"));
    let page = read_text(&out, "index.html");
    assert!(
        page.contains("<h2>Regularisation path</h2>"),
        "index.html lacks the path table"
    );
}

#[test]
fn unscaled_employment_warns_with_names() {
    let out = scratch("unscaled");
    let input = data("us_employment_120x22.csv");
    let output = factorize(&out, &["--input", &input, "--iterations", "200"]);
    let printed = stderr(&output);
    let expected = "warning: the series differ in size by a factor of 245 (root mean square \
                    554 in column 15 against 135705 in column 1)";
    assert!(printed.contains(expected), "{printed}");
    assert!(
        printed.contains(
            "use per-series scaling (mean) to weigh every series alike, with --scaling mean; \
             column 15 is utilities and column 1 is nonfarm (in simplex NMF, gaussian objective)"
        ),
        "{printed}"
    );
    assert!(!printed.contains("Scaling::"), "{printed}");

    let report = report(&out);
    let warnings = report["nmf"][0]["warnings"].as_array().unwrap();
    let unscaled = warnings
        .iter()
        .find(|w| w["kind"] == "unscaled_series")
        .expect("report.json lists the unscaled_series warning");
    assert_eq!(unscaled["smallest_column"], 15);
    assert_eq!(unscaled["largest_column"], 1);
    let page = read_text(&out, "index.html");
    assert!(
        page.contains("column 15 is utilities"),
        "index.html lacks the names"
    );
}

#[test]
fn help_gives_defaults_per_objective() {
    let output = ferroflux(&["factorize", "--help"]);
    assert!(output.status.success());
    let help = stdout(&output)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert!(
        help.contains("0 turns it off [default: 0.01; unused with --objective seed]"),
        "{help}"
    );
    assert!(
        help.contains("Adam's step size eta > 0 [default: 0.02; 0.001 with --objective seed]"),
        "{help}"
    );
}

#[test]
fn basis_ridge_with_seed_objective_is_noted() {
    let out = scratch("seed-ridge");
    let args = [
        "--objective",
        "seed",
        "--basis-ridge",
        "0.5",
        "--iterations",
        "50",
    ];
    let output = factorize(&out, &args);
    let printed = stderr(&output);
    assert!(
        printed.contains("note: --basis-ridge has no effect with --objective seed"),
        "{printed}"
    );
}

#[test]
fn bad_series_names_file_names_line() {
    let (folder, input) = input_file("bad-names", "data.csv", "north,south\n1.5,2.5\n3.5,2\n");
    let cases = [
        (
            "short.csv",
            "code,name\nnorth,North Sea\n\n\nsouth\n",
            "short.csv: line 5 has 1 cell; expected two, code and name",
        ),
        (
            "three-cells.csv",
            "code,name\nnorth,North Sea,extra\nsouth,South Sea\n",
            "three-cells.csv: line 2 has 3 cells; expected two, code and name",
        ),
        (
            "no-header.csv",
            "north,North Sea\nsouth,South Sea\n",
            "no-header.csv: line 1 was read as the header row, but its first cell \"north\" is a \
             series name of",
        ),
        (
            "twice.csv",
            "code,name\nnorth,North Sea\n\nnorth,Nordsee\n",
            "twice.csv: line 4: the code \"north\" already has a name on line 2",
        ),
        ("header-only.csv", "code,name\n", "no rows after the header"),
        (
            "unmatched.csv",
            "code,name\nzz,Zed\n",
            "unmatched.csv: none of its 1 codes matches a series name of",
        ),
        (
            "same-name.csv",
            "code,name\nnorth,Sea\nsouth,Sea\n",
            "same-name.csv: series \"north\" and \"south\" both get the name \"Sea\"",
        ),
        (
            "name-of-other-code.csv",
            "code,name\nnorth,south\n",
            "series \"north\" and \"south\" both get the name \"south\"",
        ),
        (
            "missing.csv",
            "",
            "missing.csv: file not found; check the path of --series-names",
        ),
    ];
    for (name, contents, expected) in cases {
        let names = folder.join(name);
        if !contents.is_empty() {
            std::fs::write(&names, contents).unwrap();
        }
        let message = input_fails(&input, &["--series-names", names.to_str().unwrap()]);
        assert!(message.contains(expected), "{name}: {message}");
    }

    let message = input_fails(&input, &["--series-names", folder.to_str().unwrap()]);
    assert!(
        message.contains("is a folder; --series-names takes a CSV file"),
        "{message}"
    );
}

#[test]
fn diverged_fit_names_learning_rate() {
    let out = scratch("diverged").join("report");
    let input = data("us_employment_120x22.csv");
    let message = factorize_fails(&out, &["--input", &input, "--learning-rate", "1e300"]);
    assert!(message.contains("the fit diverged"), "{message}");
    assert!(message.contains("(it was 1e300)"), "{message}");
}

#[test]
fn overflowing_prior_weight_is_rejected() {
    let out = scratch("prior-overflow").join("report");
    let message = factorize_fails(&out, &["--prior-weight", "1e308"]);
    assert!(
        message.contains("invalid --prior-weight 1e308"),
        "{message}"
    );
    assert!(message.contains("overflows"), "{message}");
    assert!(message.contains("or less"), "{message}");
    assert!(!message.contains("diverged"), "{message}");
    assert!(!out.exists());
}

#[test]
fn overflowing_path_weight_is_named() {
    let out = scratch("path-overflow").join("report");
    let message = factorize_fails(&out, &["--path", "0,1e308"]);
    assert!(message.contains("invalid --path 1e308"), "{message}");
    assert!(message.contains("overflows"), "{message}");
    assert!(!message.contains("diverged"), "{message}");
}

#[test]
fn diverged_fit_names_prior_weight() {
    let out = scratch("diverged-prior").join("report");
    let input = data("us_employment_120x22.csv");
    let args = [
        "--input",
        &input,
        "--learning-rate",
        "1e300",
        "--prior-weight",
        "2",
    ];
    let message = factorize_fails(&out, &args);
    assert!(
        message.contains("lower --prior-weight (it was 2.0)"),
        "{message}"
    );
}

#[test]
fn single_time_step_is_singular() {
    let (folder, input) = input_file("one-row", "onerow.csv", "a,b,c\n1,2,3\n");
    let args = ["--input", input.to_str().unwrap(), "--k", "2"];
    let output = factorize(&folder.join("report"), &args);
    let text = stdout(&output);
    assert!(text.contains("(1 time step x 3 series)"), "{text}");
    assert!(
        text.contains("so the SVD baseline has only 1 component and"),
        "{text}"
    );
}

#[test]
fn binary_file_names_line_then_column() {
    let folder = scratch("binary");
    let input = folder.join("bin.csv");
    std::fs::write(&input, b"\xff\xfe\x00\x01,2\n").unwrap();
    let message = input_fails(&input, &[]);
    assert!(
        message.contains("bin.csv, line 1: the cell in column 1 is not valid UTF-8 at its byte 1"),
        "{message}"
    );
}

#[test]
fn missing_file_is_reported() {
    let folder = scratch("missing");
    let file = folder.join("no-such-file.csv");
    let message = input_fails(&file, &[]);
    assert!(message.contains("file not found"), "{message}");
    assert!(message.contains("no-such-file.csv"), "{message}");
    assert!(!folder.join("report").exists());
}

#[test]
fn backend_subcommand_prints_blas() {
    let output = ferroflux(&["backend"]);
    assert!(output.status.success());
    assert!(stdout(&output).contains("thread"), "{}", stdout(&output));
}

/// Escapes text as index.html does.
fn escape_html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// Returns the names in `folder`, sorted.
fn entries(folder: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(folder)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// Returns each file of `folder` with its bytes, sorted by name.
fn snapshot(folder: &Path) -> Vec<(String, Vec<u8>)> {
    entries(folder)
        .into_iter()
        .map(|name| {
            let bytes = std::fs::read(folder.join(&name)).unwrap();
            (name, bytes)
        })
        .collect()
}

/// Asserts that `folder` contains exactly `kept`, so that no temporary
/// folder of a run is left beside a report.
fn assert_only(folder: &Path, kept: &[&str]) {
    assert_eq!(entries(folder), kept, "entries of {}", folder.display());
}

#[test]
fn fertility_warnings_reach_every_output() {
    let out = scratch("warnings").join("report");
    let input = factorize_data("world_fertility_52x188.csv");
    let output = factorize(&out, &["--input", &input, "--path", "0,1"]);
    let printed = stderr(&output);
    let report = report(&out);
    let page = read_text(&out, "index.html");

    let main = report["nmf"][0]["warnings"].as_array().unwrap();
    assert!(
        main.iter().any(|w| w["kind"] == "basis_out_of_range"),
        "report.json warnings: {main:?}"
    );
    let path = report["path"].as_array().unwrap();
    let mut all = main.clone();
    for point in path {
        all.extend(point["warnings"].as_array().unwrap().iter().cloned());
    }
    for warning in &all {
        let message = warning["message"].as_str().unwrap();
        assert!(
            printed.contains(&format!("warning: {message}")),
            "stderr lacks {message:?}: {printed}"
        );
        assert!(
            page.contains(&escape_html(message)),
            "index.html lacks {message:?}"
        );
    }
    let lines = printed.lines().filter(|l| l.starts_with("warning: "));
    assert_eq!(lines.count(), all.len(), "stderr: {printed}");
    assert!(
        page.contains("<h2>Warnings</h2>"),
        "index.html lacks warnings"
    );
}

#[test]
fn reused_out_drops_stale_files() {
    let folder = scratch("reuse");
    let out = folder.join("report");
    let input = data("elnino_sst_monthly_12x61.csv");
    factorize(
        &out,
        &["--input", &input, "--iterations", "100", "--path", "0,1"],
    );
    assert_png(&out.join("path.png"));

    factorize(&out, &["--input", &input, "--iterations", "100"]);
    assert!(
        !out.join("path.png").exists(),
        "path.png of the earlier run is left"
    );
    let report = report(&out);
    let mut listed: Vec<String> = report["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f.as_str().unwrap().to_string())
        .collect();
    listed.sort();
    assert_eq!(
        entries(&out),
        listed,
        "the folder holds exactly the listed files"
    );
    assert_only(&folder, &["report"]);
}

/// A killed run leaves its temporary folder beside --out. The next run
/// removes it once its process is gone. It keeps the folder of a process
/// that still runs (here: this test) and a folder that contains other files.
#[test]
fn next_run_removes_folders_of_killed_runs() {
    let folder = scratch("abandoned");
    let out = folder.join("out");
    // Above the largest process id Linux hands out (2^22), so never running.
    let dead = folder.join(".out.999999999-0.tmp");
    std::fs::create_dir(&dead).unwrap();
    std::fs::write(dead.join("W.csv"), "1\n").unwrap();
    // A picture that was being written when the run was killed.
    std::fs::write(dead.join(".loss.png.999999999-4.tmp"), "half").unwrap();
    let alive = folder.join(format!(".out.{}-0.tmp", std::process::id()));
    std::fs::create_dir(&alive).unwrap();
    std::fs::write(alive.join("W.csv"), "1\n").unwrap();
    let foreign = folder.join(".out.999999998-0.tmp");
    std::fs::create_dir(&foreign).unwrap();
    std::fs::write(foreign.join("thesis.txt"), "mine").unwrap();

    let output = factorize(&out, &["--iterations", "50"]);
    let printed = stderr(&output);
    if Path::new("/proc/self").exists() {
        assert!(!dead.exists(), "the dead run's folder is still there");
        assert!(printed.contains("left by an interrupted run"), "{printed}");
        let kept = format!(
            "note: kept {}, left by an interrupted run (process 999999998), because it \
             contains thesis.txt, which this command does not write",
            foreign.display()
        );
        assert!(printed.contains(&kept), "{printed}");
    }
    assert!(alive.exists(), "a running process lost its folder");
    assert!(
        foreign.join("thesis.txt").exists(),
        "a folder with other files was removed"
    );
    assert!(out.join("report.json").exists());

    // The kept folder is named again on the next run.
    let output = factorize(&out, &["--iterations", "50"]);
    if Path::new("/proc/self").exists() {
        let printed = stderr(&output);
        assert!(
            printed.contains("because it contains thesis.txt"),
            "{printed}"
        );
    }
}

/// Returns a command that runs the binary as a user whom file permissions
/// bind, with `folder` writable for it: this process's user, or the user
/// `nobody` (65534) when this process runs as root, which ignores them.
/// Returns the reason instead if neither is possible here.
#[cfg(unix)]
fn unprivileged(folder: &Path) -> Result<Command, String> {
    use std::os::unix::fs::MetadataExt;
    use std::os::unix::process::CommandExt;

    // A new file belongs to the effective user of the process.
    let probe = folder.join(".owner-probe");
    std::fs::write(&probe, "").unwrap();
    let uid = std::fs::metadata(&probe).unwrap().uid();
    std::fs::remove_file(&probe).unwrap();
    if uid != 0 {
        return Ok(Command::new(env!("CARGO_BIN_EXE_ferroflux")));
    }

    const NOBODY: u32 = 65534;
    std::os::unix::fs::chown(folder, Some(NOBODY), Some(NOBODY)).unwrap();
    let command = || {
        let mut command = Command::new(env!("CARGO_BIN_EXE_ferroflux"));
        command.uid(NOBODY).gid(NOBODY).current_dir(folder);
        command
    };
    match command().arg("--version").output() {
        Ok(output) if output.status.success() => Ok(command()),
        Ok(output) => Err(format!(
            "the binary fails as user {NOBODY}: {}",
            stderr(&output)
        )),
        Err(error) => Err(format!("the binary cannot start as user {NOBODY}: {error}")),
    }
}

/// Makes `path` readable and listable for everyone, and writable only if
/// `writable`.
#[cfg(unix)]
fn set_writable(path: &Path, writable: bool) {
    use std::os::unix::fs::PermissionsExt;
    let mode = if writable { 0o755 } else { 0o555 };
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// A report folder whose files this user may not delete is left as it is:
/// replacing it would leave the old folder beside --out for good.
#[cfg(unix)]
#[test]
fn read_only_report_is_kept() {
    let folder = scratch("read-only-report");
    let mut command = match unprivileged(&folder) {
        Ok(command) => command,
        Err(reason) => {
            println!("skipped: {reason}");
            return;
        }
    };
    let input = data("elnino_sst_monthly_12x61.csv");
    let out = folder.join("rep");
    let args = [
        "factorize",
        "--input",
        &input,
        "--k",
        "2",
        "--iterations",
        "100",
        "--out",
        out.to_str().unwrap(),
    ];
    let first = command.args(args).output().unwrap();
    assert!(first.status.success(), "stderr: {}", stderr(&first));
    set_writable(&out, false);
    let before = snapshot(&out);

    let second = command.output().unwrap();
    let message = stderr(&second);
    set_writable(&out, true);
    assert_eq!(second.status.code(), Some(1), "stderr: {message}");
    assert!(
        message.starts_with(&format!(
            "error: cannot write the report to --out {}",
            out.display()
        )),
        "{message}"
    );
    assert!(
        message.contains("may not delete files in that folder"),
        "{message}"
    );
    assert!(
        message.contains(&format!("chmod u+w {}", out.display())),
        "{message}"
    );
    assert!(message.contains("or choose another --out"), "{message}");
    assert_eq!(snapshot(&out), before, "the read-only report changed");
    assert_only(&folder, &["rep"]);

    let third = command.output().unwrap();
    assert!(third.status.success(), "stderr: {}", stderr(&third));
    assert_only(&folder, &["rep"]);
}

/// A previous report that a run moved aside as `.NAME.PID-N.old` and could
/// not delete is deleted by the next run, or named on every run while it
/// cannot be deleted.
#[cfg(unix)]
#[test]
fn previous_report_left_aside_is_removed() {
    let folder = scratch("old-report");
    let out = folder.join("out");
    let input = data("elnino_sst_monthly_12x61.csv");
    let args = ["--input", &input, "--k", "2", "--iterations", "100"];
    factorize(&out, &args);
    // Above the largest process id Linux hands out (2^22), so never running.
    let old = folder.join(".out.999999999-0.old");
    std::fs::create_dir(&old).unwrap();
    for (name, bytes) in snapshot(&out) {
        std::fs::write(old.join(name), bytes).unwrap();
    }
    std::fs::write(old.join(".DS_Store"), "metadata").unwrap();

    let output = factorize(&out, &args);
    if !Path::new("/proc/self").exists() {
        println!("skipped: without /proc no run removes leftover folders");
        return;
    }
    let removed = format!(
        "note: removed {}, a previous report that a run (process 999999999) moved aside",
        old.display()
    );
    assert!(stderr(&output).contains(&removed), "{}", stderr(&output));
    assert_only(&folder, &["out"]);

    // A leftover that this user may not delete is named on every run.
    let mut command = match unprivileged(&folder) {
        Ok(command) => command,
        Err(reason) => {
            println!("skipped the read-only case: {reason}");
            return;
        }
    };
    std::fs::remove_dir_all(&out).unwrap();
    std::fs::create_dir(&old).unwrap();
    std::fs::write(old.join("W.csv"), "1\n").unwrap();
    set_writable(&old, false);
    command.args(["factorize", "--out", out.to_str().unwrap()]);
    command.args(args);
    for run in 0..2 {
        let output = command.output().unwrap();
        let printed = stderr(&output);
        assert!(output.status.success(), "run {run}: {printed}");
        let kept = format!(
            "note: kept {}, a previous report that a run (process 999999999) moved aside and \
             could not delete, because deleting it failed: Permission denied",
            old.display()
        );
        assert!(printed.contains(&kept), "run {run}: {printed}");
    }
    set_writable(&old, true);
    assert!(old.join("W.csv").exists(), "the read-only leftover changed");
}

/// File manager metadata files in a report folder do not block the next
/// run and are removed with the old report. Any other stray file still
/// blocks it.
#[test]
fn os_metadata_files_do_not_block_rerun() {
    let folder = scratch("os-metadata");
    let out = folder.join("out");
    factorize(&out, &["--iterations", "50"]);
    for name in [".DS_Store", "Thumbs.db", "desktop.ini"] {
        std::fs::write(out.join(name), "metadata").unwrap();
    }
    factorize(&out, &["--iterations", "50"]);
    for name in [".DS_Store", "Thumbs.db", "desktop.ini"] {
        assert!(!out.join(name).exists(), "{name} outlived the old report");
    }
    assert!(out.join("report.json").exists());

    std::fs::write(out.join(".DS_Store"), "metadata").unwrap();
    std::fs::write(out.join("notes.txt"), "mine").unwrap();
    let message = factorize_fails(&out, &["--iterations", "50"]);
    assert!(message.contains("it contains notes.txt"), "{message}");
}

/// A damaged report.json cannot tell the command's files from the user's;
/// the error must name report.json, not the first picture it finds.
#[test]
fn damaged_report_json_is_named() {
    let folder = scratch("damaged-report");
    let out = folder.join("out");
    factorize(&out, &["--iterations", "50"]);
    std::fs::write(out.join("report.json"), "{broken").unwrap();
    let message = factorize_fails(&out, &["--iterations", "50"]);
    assert!(message.contains("report.json cannot be read"), "{message}");
    assert!(message.contains("not valid JSON"), "{message}");
    assert!(message.contains("restore or delete that file"), "{message}");
    assert!(out.join("W.csv").exists(), "the old report was touched");
}

/// An option error that states only the valid range also states the fix.
#[test]
fn range_errors_say_what_to_give() {
    let out = scratch("range-fix").join("out");
    for (option, value) in [
        ("--iterations", "0"),
        ("--learning-rate", "0"),
        ("--tolerance", "-1"),
    ] {
        let message = factorize_fails(&out, &[option, value]);
        assert!(
            message.contains(&format!("invalid {option} {value}:")),
            "{message}"
        );
        assert!(
            message.contains("leave it out for its default"),
            "{message}"
        );
    }
    let message = factorize_fails(&out, &["--path", "-1"]);
    assert!(message.contains("for example --path 0,0.1,1"), "{message}");
}

/// Reading the data from a file inside the report folder would lose that
/// file when the run replaces the folder, so the run must reject it and
/// leave the file as it was.
#[test]
fn input_inside_out_is_rejected() {
    let folder = scratch("input-inside-out");
    let out = folder.join("out");
    factorize(&out, &["--iterations", "50"]);
    let input = out.join("H.csv");
    let before = std::fs::read(&input).unwrap();
    let message = factorize_fails(&out, &["--input", input.to_str().unwrap(), "--k", "2"]);
    assert!(message.contains("--input"), "{message}");
    assert!(message.contains("lies inside it"), "{message}");
    assert_eq!(
        std::fs::read(&input).unwrap(),
        before,
        "the input file changed"
    );
}

#[test]
fn out_with_foreign_file_is_rejected() {
    let folder = scratch("foreign");
    let out = folder.join("report");
    let input = data("elnino_sst_monthly_12x61.csv");
    factorize(&out, &["--input", &input, "--iterations", "100"]);
    std::fs::write(out.join("notes.txt"), "keep me").unwrap();
    let before = snapshot(&out);

    let args = ["--input", &input, "--iterations", "100", "--k", "2"];
    let message = factorize_fails(&out, &args);
    assert!(message.contains("notes.txt"), "{message}");
    assert!(message.contains("choose another --out"), "{message}");
    assert_eq!(snapshot(&out), before, "the folder was changed");
    assert_only(&folder, &["report"]);
}

#[test]
fn failed_run_keeps_previous_report() {
    let folder = scratch("failed-run");
    let out = folder.join("report");
    let input = data("elnino_sst_monthly_12x61.csv");
    factorize(&out, &["--input", &input, "--iterations", "100"]);
    let before = snapshot(&out);

    // The option is checked by the fit, after the temporary folder exists.
    let message = factorize_fails(&out, &["--input", &input, "--alpha", "-1"]);
    assert!(message.contains("invalid --alpha -1:"), "{message}");
    assert_eq!(snapshot(&out), before, "the folder was changed");
    assert_only(&folder, &["report"]);
}

#[test]
fn out_that_is_a_file_is_rejected() {
    let (folder, file) = input_file("out-file", "taken", "not a folder");
    let input = data("elnino_sst_monthly_12x61.csv");
    let message = factorize_fails(&file, &["--input", &input]);
    assert!(message.contains("is a file, not a folder"), "{message}");
    assert_eq!(read_text(&folder, "taken"), "not a folder");
    assert_only(&folder, &["taken"]);

    let message = factorize_fails(&file.join("report"), &["--input", &input]);
    assert!(
        message.contains("taken is a file, not a folder"),
        "{message}"
    );
    assert!(message.contains("choose another --out"), "{message}");
    assert_only(&folder, &["taken"]);
}

#[test]
fn negative_numbers_reach_range_checks() {
    let out = scratch("negative").join("report");
    let cases = [
        (["--alpha", "-1"], "invalid --alpha -1:", "> 0"),
        (
            ["--learning-rate", "-0.5"],
            "invalid --learning-rate -0.5",
            "> 0",
        ),
        (
            ["--prior-weight", "-2"],
            "invalid --prior-weight -2",
            ">= 0",
        ),
        (["--path", "-1,0"], "invalid --path -1:", ">= 0"),
        (["--path", "0,-1"], "invalid --path -1:", ">= 0"),
        (["--path", "0,-2.50"], "invalid --path -2.50:", ">= 0"),
        (
            ["--time-step", "0"],
            "invalid --time-step 0:",
            "other than 0",
        ),
        (["--alpha", "1e999"], "invalid --alpha 1e999:", "> 0"),
        (
            ["--learning-rate", "-1e-300"],
            "invalid --learning-rate -1e-300:",
            "> 0",
        ),
        (
            ["--tolerance", "-0.50"],
            "invalid --tolerance -0.50:",
            ">= 0",
        ),
        (
            ["--basis-ridge", "-1E2"],
            "invalid --basis-ridge -1E2:",
            ">= 0",
        ),
        (
            ["--time-start", "inf"],
            "invalid --time-start inf:",
            "finite",
        ),
    ];
    for (option, value, range) in cases {
        let message = factorize_fails(&out, &option);
        assert!(message.contains(value), "{option:?}: {message}");
        assert!(message.contains(range), "{option:?}: {message}");
    }
}

#[test]
fn negative_count_names_value() {
    for option in ["--k", "--seed", "--restarts"] {
        let output = ferroflux(&["factorize", option, "-1"]);
        let message = stderr(&output);
        assert_eq!(output.status.code(), Some(2), "{option}: {message}");
        assert!(message.contains("'-1'"), "{option}: {message}");
        assert!(message.contains("whole number"), "{option}: {message}");
        assert!(
            !message.contains("unexpected argument"),
            "{option}: {message}"
        );
    }
}

#[test]
fn overflowing_count_says_overflow() {
    let huge = "99999999999999999999";
    for option in ["--iterations", "--seed"] {
        let output = ferroflux(&["factorize", option, huge]);
        let message = stderr(&output);
        assert_eq!(output.status.code(), Some(2), "{option}: {message}");
        assert!(
            message.contains(&format!("'{huge}'")),
            "{option}: {message}"
        );
        assert!(
            message.contains("larger than the maximum, 18446744073709551615"),
            "{option}: {message}"
        );
        assert!(!message.contains("(0, 1, 2"), "{option}: {message}");
    }
}

/// One bad `--input` file and the parts its error message must contain.
struct BadInput {
    name: &'static str,
    contents: &'static str,
    extra: &'static [&'static str],
    expected: &'static [&'static str],
}

#[test]
fn bad_input_messages_name_value_place_and_fix() {
    let cases = [
        BadInput {
            name: "empty.csv",
            contents: "",
            extra: &[],
            expected: &[
                "empty.csv: the file is empty",
                "write one row of numbers per time step",
            ],
        },
        BadInput {
            name: "header-only.csv",
            contents: "a,b\n",
            extra: &[],
            expected: &["no data rows", "one column per series"],
        },
        BadInput {
            name: "ragged.csv",
            contents: "a,b,c\n1,2,3\n4,5\n",
            extra: &[],
            expected: &[
                "ragged.csv, line 3",
                "found 2 cells",
                "has 3",
                "give every row",
            ],
        },
        BadInput {
            name: "semicolon-decimal-comma.csv",
            contents: "a;b;c\n1,5;2,5;3\n4,5;5,25;6\n",
            extra: &[],
            expected: &[
                "found 3 cells where the first row has 1",
                "semicolons or tabs",
                "decimal points",
            ],
        },
        BadInput {
            name: "decimal-comma.csv",
            contents: "a,b\n1,5,2,5\n3,5,4,5\n",
            extra: &[],
            expected: &[
                "found 4 cells where the first row has 2",
                "decimal commas, each splits into two cells",
            ],
        },
        BadInput {
            name: "text.csv",
            contents: "a,b\n1.5,2.5\n3.5,abc\n",
            extra: &[],
            expected: &[
                "text.csv, line 3, column 2 (series b)",
                "\"abc\"",
                "correct the cell",
            ],
        },
        BadInput {
            name: "nan.csv",
            contents: "north,south\n1.5,2.5\n\n3.5,NaN\n",
            extra: &[],
            expected: &[
                "nan.csv, line 4, column 2 (series south)",
                "NaN",
                "interpolating",
            ],
        },
        BadInput {
            name: "inf.csv",
            contents: "1.5,2.5\n-inf,1\n",
            extra: &[],
            expected: &[
                "inf.csv, line 2, column 1: the value is -inf",
                "replace the value",
            ],
        },
        BadInput {
            name: "names-on-first-line.csv",
            contents: "north,south\n1.5,2.5\n",
            extra: &["--header", "absent"],
            expected: &[
                "names-on-first-line.csv, line 1, column 1: cannot read \"north\"",
                "if line 1 contains series names, leave out --header absent",
            ],
        },
        BadInput {
            name: "year-header.csv",
            contents: "1950,1951\n1.5,2.5\n3.5,x\n",
            extra: &[],
            expected: &["year-header.csv, line 3, column 2 (series 1951)", "\"x\""],
        },
        BadInput {
            name: "k-zero.csv",
            contents: "a,b\n1.5,2.5\n3.5,1.5\n",
            extra: &["--k", "0"],
            expected: &[
                "invalid --k 0",
                "between 1 and the number of series, 2",
                "choose --k from 1 to 2",
            ],
        },
        BadInput {
            name: "k-above-series.csv",
            contents: "a,b\n1.5,2.5\n3.5,1.5\n",
            extra: &["--k", "3"],
            expected: &[
                "invalid --k 3",
                "number of series, 2",
                "choose --k from 1 to 2",
            ],
        },
        BadInput {
            name: "k-above-time-steps.csv",
            contents: "a,b,c\n1.5,2.5,1\n3.5,1.5,2\n",
            extra: &["--k", "4"],
            expected: &[
                "invalid --k 4",
                "number of series, 3",
                "choose --k from 1 to 3",
            ],
        },
        BadInput {
            name: "semicolons.csv",
            contents: "a;b;c\n1;2;3\n4;5;6\n",
            extra: &[],
            expected: &[
                "semicolons.csv, line 2, column 1 (series a;b;c): cannot read \"1;2;3\"",
                "contains a semicolon",
                "convert the file to commas",
            ],
        },
        BadInput {
            name: "decimal-comma.csv",
            contents: "a,b\n\"1,5\",2\n3,\"4,25\"\n",
            extra: &[],
            expected: &[
                "decimal-comma.csv, line 2, column 1 (series a): cannot read \"1,5\"",
                "if its comma is a decimal comma, write the number with a decimal point, as 1.5",
            ],
        },
        BadInput {
            name: "thousands-comma.csv",
            contents: "a,b\n\"1,234,567\",2\n3,4\n",
            extra: &[],
            expected: &[
                "thousands-comma.csv, line 2, column 1 (series a): cannot read \"1,234,567\"",
                "the cell is a number with commas, so write it with a decimal point and \
                 without thousands separators",
            ],
        },
        BadInput {
            name: "tabs.csv",
            contents: "a\tb\n1.5\t2\n",
            extra: &[],
            expected: &["contains a tab", "convert the file to commas"],
        },
        BadInput {
            name: "overflow.csv",
            contents: "a,b\n1.5,2.5\n1e308,2e308\n",
            extra: &[],
            expected: &[
                "overflow.csv, line 3, column 2 (series b): the value 2e308 exceeds the \
                 largest finite number",
                "dividing the series by a power of ten",
            ],
        },
        BadInput {
            name: "all-zero.csv",
            contents: "a,b,c\n0,0,0\n0,0,0\n0,0,0\n",
            extra: &[],
            expected: &[
                "all-zero.csv: every value of the 3 time steps x 3 series is zero",
                "give one with at least one value other than zero",
            ],
        },
        BadInput {
            name: "zero-series.csv",
            contents: "a,b,c\n1.5,0,1\n3.5,0,2\n2,0,3\n",
            extra: &["--k", "2", "--scaling", "std-dev"],
            expected: &[
                "cannot scale series b (column 2) by its standard deviation",
                "zero at every time step",
                "remove the column from --input, or use --scaling none",
            ],
        },
        BadInput {
            name: "zero-series-mean.csv",
            contents: "a,b,c\n1.5,0,1\n3.5,0,2\n2,0,3\n",
            extra: &["--k", "2", "--scaling", "mean"],
            expected: &[
                "cannot scale series b (column 2) by its mean",
                "zero at every time step",
                "remove the column from --input, or use --scaling none",
            ],
        },
        BadInput {
            name: "constant-series.csv",
            contents: "a,b,c\n1.5,2,1\n3.5,2,2\n2,2,3\n",
            extra: &["--k", "2", "--scaling", "std-dev"],
            expected: &[
                "cannot scale series b (column 2) by its standard deviation",
                "the standard deviation is 0;",
                "use --scaling mean or --scaling none",
            ],
        },
        BadInput {
            name: "too-many-components.csv",
            contents: "a,b,c\n1.5,2.5,1\n3.5,1.5,2\n2,1,3\n",
            extra: &["--k", "1", "--extra-components", "5"],
            expected: &[
                "invalid --extra-components 5",
                "with --k 1 and 3 series it may be at most 2",
                "choose --extra-components 2 or less",
            ],
        },
    ];
    for case in &cases {
        let (_, file) = input_file("bad-input", case.name, case.contents);
        let message = input_fails(&file, case.extra);
        for part in case.expected {
            assert!(
                message.contains(part),
                "{}: {part:?} missing in {message}",
                case.name
            );
        }
        for internal in ["rank_k_svd", "Scaling::", "0-based"] {
            assert!(!message.contains(internal), "{}: {message}", case.name);
        }
    }
}

/// `--input -` reads the series from a pipe on standard input.
#[cfg(unix)]
#[test]
fn input_dash_reads_stdin() {
    use std::io::Write;
    use std::process::Stdio;

    let out = scratch("stdin").join("report");
    let csv = std::fs::read(data("elnino_sst_monthly_12x61.csv")).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_ferroflux"))
        .args([
            "factorize",
            "--input",
            "-",
            "--k",
            "2",
            "--iterations",
            "100",
        ])
        .arg("--out")
        .arg(&out)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(&csv).unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "stderr: {}", stderr(&output));

    let text = stdout(&output);
    assert!(
        text.contains("data: standard input (12 time steps x 61 series)"),
        "{text}"
    );
    let report = report(&out);
    assert_eq!(report["series"], 61);
    assert_eq!(report["time_steps"], 12);
    let h = std::fs::read_to_string(out.join("H.csv")).unwrap();
    assert!(h.starts_with("1950,1951,"), "H.csv header: {h:.40}");
}

/// A k outside 1 to the number of series gets one range with one reason,
/// also when the data have fewer time steps than series.
#[test]
fn k_outside_series_gives_one_range() {
    let out = scratch("k-range").join("report");
    let input = data("elnino_sst_monthly_12x61.csv");
    for k in ["0", "62"] {
        let message = factorize_fails(&out, &["--input", &input, "--k", k]);
        assert_eq!(
            message,
            format!(
                "error: invalid --k {k}: the number of components must be between 1 and the \
                 number of series, 61; choose --k from 1 to 61\n"
            )
        );
    }
}

/// The El Niño data have 12 time steps, so rank 12 at most. A fit with
/// k = 13 is valid, and the SVD baseline it is compared with has 12
/// components, which every output states.
#[test]
fn k_above_rank_limits_baseline() {
    let out = scratch("k-above-rank").join("report");
    let input = data("elnino_sst_monthly_12x61.csv");
    let output = factorize(
        &out,
        &["--input", &input, "--k", "13", "--iterations", "200"],
    );
    let text = stdout(&output);
    let note = "the data have numerical rank 12, below k = 13, so the SVD baseline has only 12 \
                components and already reproduces the data up to rounding; the NMF fits use \
                all 13 components";
    assert!(text.contains("\nrank-12 SVD (|Vᵀ|, normalised)"), "{text}");
    assert!(text.contains(&format!("({note})")), "{text}");

    let report = report(&out);
    assert_eq!(report["k"], 13);
    assert_eq!(report["svd"]["k"], 12);
    assert_eq!(report["svd"]["limited_by_data_rank"], true);
    assert_eq!(
        report["svd"]["singular_values"].as_array().unwrap().len(),
        12
    );
    assert!(report["svd"]["relative_error"].as_f64().unwrap() < 1e-12);
    let h = std::fs::read_to_string(out.join("H.csv")).unwrap();
    assert_eq!(h.lines().count(), 1 + 13, "H.csv: a header and 13 rows");

    let page = read_text(&out, "index.html");
    assert!(
        page.contains("<td>rank-12 SVD (|Vᵀ| normalised per series)</td>"),
        "index.html lacks the rank-12 row"
    );
    assert!(
        page.contains("<p>The data have numerical rank 12, below k = 13,"),
        "index.html lacks the note"
    );
    assert_png(&out.join("weights.png"));
}

#[test]
fn folder_as_input_is_reported() {
    let folder = scratch("folder-input");
    let message = input_fails(&folder.join("."), &[]);
    assert!(message.contains("is a folder"), "{message}");
    assert!(message.contains("--input takes a CSV file"), "{message}");
}

/// series.png grows by one row of panels per 4 series, so --panels has an
/// upper limit, checked before the data are read.
#[test]
fn panels_above_limit_are_rejected() {
    let folder = scratch("panels-limit");
    let out = folder.join("report");
    let input = factorize_data("world_fertility_52x188.csv");
    let message = factorize_fails(&out, &["--input", &input, "--panels", "100000"]);
    assert!(message.contains("invalid --panels 100000:"), "{message}");
    assert!(
        message.contains("series.png draws at most 200 series, 50 rows of 4 panels"),
        "{message}"
    );
    assert!(message.contains("choose --panels 200 or less"), "{message}");
    assert_only(&folder, &[]);

    let message = factorize_fails(&out, &["--panels", "201"]);
    assert!(message.contains("invalid --panels 201:"), "{message}");

    // At the limit all 188 countries are drawn, 4 per row.
    factorize(
        &out,
        &["--input", &input, "--iterations", "50", "--panels", "200"],
    );
    let png = std::fs::read(out.join("series.png")).unwrap();
    let width = u32::from_be_bytes(png[16..20].try_into().unwrap());
    let height = u32::from_be_bytes(png[20..24].try_into().unwrap());
    let default = scratch("panels-default").join("report");
    factorize(&default, &["--input", &input, "--iterations", "50"]);
    let png = std::fs::read(default.join("series.png")).unwrap();
    let default_height = u32::from_be_bytes(png[20..24].try_into().unwrap());
    assert_eq!(
        u32::from_be_bytes(png[16..20].try_into().unwrap()),
        width,
        "series.png width"
    );
    // 47 rows of panels against the 3 rows of the default 12 series.
    assert!(
        height > default_height,
        "heights {height}, {default_height}"
    );
    assert_eq!(
        (height - default_height) % 44,
        0,
        "heights {height}, {default_height}"
    );
}

#[test]
fn overflowing_time_axis_is_rejected() {
    let out = scratch("time-axis").join("report");
    let args = ["--time-start", "1e308", "--time-step", "1e308"];
    let message = factorize_fails(&out, &args);
    assert!(message.contains("invalid --time-step 1e308"), "{message}");
    assert!(message.contains("inf"), "{message}");
}

/// A fit that stops early does not claim to take long, however high its
/// iteration limit: the note on stderr comes only once a fit has run for
/// a while.
#[test]
fn quick_fit_with_high_limit_has_no_note() {
    let out = scratch("long-fit").join("report");
    // A tolerance of 1 stops each run after a few iterations, so the run is
    // short although its iteration limit is 200 x 1000.
    let args = [
        "--restarts",
        "200",
        "--iterations",
        "1000",
        "--tolerance",
        "1",
    ];
    let output = factorize(&out, &args);
    // stderr holds only the fit's warnings, whose texts may mention
    // iterations too.
    let message = stderr(&output);
    for line in message.lines() {
        assert!(line.starts_with("warning: "), "stderr line: {line}");
    }
}

#[test]
fn integer_first_row_read_as_data_is_noted() {
    let contents = "2001,2002,2003\n1,2,3\n4,5,7\n2,8,1\n";
    let (folder, file) = input_file("integer-first-row", "years.csv", contents);
    let input = file.to_str().unwrap();
    let output = factorize(&folder.join("report"), &["--input", input, "--k", "2"]);
    let message = stderr(&output);
    assert!(
        message.contains("line 1 (2001,2002,2003) contains only integers and was read as data"),
        "{message}"
    );
    assert!(message.contains("give --header present"), "{message}");

    let args = ["--input", input, "--k", "2", "--header", "absent"];
    let output = factorize(&folder.join("report"), &args);
    let message = stderr(&output);
    assert!(!message.contains("read as data"), "{message}");
}

/// The gaussian fit of the synthetic problem without a prior leaves its
/// third component empty; the path must mark that point as collapsed.
#[test]
fn path_marks_collapsed_fits() {
    let out = scratch("path-collapsed");
    let output = factorize(&out, &["--path", "0,0.1"]);
    let text = stdout(&output);
    let table: Vec<&str> = text
        .lines()
        .skip_while(|line| !line.starts_with("regularisation path"))
        .skip(1)
        .take(3)
        .collect();
    // Columns are separated by at least two spaces, and no cell contains two.
    let cells = |row: &str| -> Vec<String> {
        row.split("  ")
            .map(str::trim)
            .filter(|cell| !cell.is_empty())
            .map(str::to_owned)
            .collect()
    };
    let header = cells(table[0]);
    assert_eq!(
        header,
        [
            "prior weight",
            "rel.error",
            "median max",
            "share >0.9",
            "iterations",
            "empty components"
        ],
        "{table:?}"
    );
    let collapsed = cells(table[1]);
    assert_eq!(collapsed.len(), header.len(), "{table:?}");
    assert_eq!(collapsed[0], "0", "{table:?}");
    assert_eq!(
        collapsed[5], "3 (collapsed: fewer clusters than components)",
        "{table:?}"
    );
    let full = cells(table[2]);
    assert_eq!(full.len(), header.len(), "{table:?}");
    assert_eq!(full[0], "0.1", "{table:?}");
    assert_eq!(full[5], "none", "{table:?}");

    let page = read_text(&out, "index.html");
    assert!(page.contains("<th>empty components</th>"), "index.html");
    assert!(
        page.contains("<td>3 (collapsed: fewer clusters than components)</td></tr>"),
        "index.html lacks the collapsed mark"
    );
    let report = report(&out);
    let path = report["path"].as_array().unwrap();
    assert_eq!(path[0]["empty_components"], serde_json::json!([3]));
    assert_eq!(path[1]["empty_components"], serde_json::json!([]));
}

/// `--out .` or `--out ..` would replace the folder the user's shell is in.
#[test]
fn out_containing_the_working_folder_is_rejected() {
    let folder = scratch("working-folder");
    let inner = folder.join("inner");
    std::fs::create_dir_all(&inner).unwrap();
    let input = factorize_data("elnino_sst_monthly_12x61.csv");
    for out in [".", ".."] {
        let output = Command::new(env!("CARGO_BIN_EXE_ferroflux"))
            .args(["factorize", "--input", &input, "--out", out])
            .current_dir(&inner)
            .output()
            .unwrap();
        let message = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success(), "--out {out} succeeded: {message}");
        assert!(
            message.contains("is the current folder or contains it"),
            "--out {out}: {message}"
        );
        assert!(inner.is_dir(), "--out {out} moved the working folder");
    }
    assert_eq!(entries(&inner), Vec::<String>::new());
}
