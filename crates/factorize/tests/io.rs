//! CSV reading and writing: header detection, the shipped data files, error
//! messages with line and column, and atomic writes.

use std::fs;
use std::path::{Path, PathBuf};

use ferroflux_factorize::{
    read_csv_records, read_series_csv, read_series_csv_with, write_matrix_csv, FactorizeError,
    Header, Matrix,
};

/// A fresh folder under the target directory's temporary area for one test.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "ferroflux-factorize-io-{}-{name}",
        std::process::id()
    ));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).expect("temporary folder can be created");
    dir
}

fn write(dir: &Path, name: &str, content: &str) -> PathBuf {
    let path = dir.join(name);
    fs::write(&path, content).expect("test file can be written");
    path
}

fn shipped(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("data")
        .join(name)
}

#[test]
fn reads_shipped_fertility_data() {
    let data = read_series_csv(&shipped("world_fertility_52x188.csv")).expect("file reads");
    assert_eq!(data.values.shape(), (52, 188));
    let names = data.names.expect("the header holds country codes");
    assert_eq!(names[0], "ABW");
    assert_eq!(names.len(), 188);
    assert!(data.values.iter().all(|&x| (0.8..9.3).contains(&x)));
}

#[test]
fn reads_year_header_of_elnino_data() {
    // The header is 1950..2010, all integers, over decimal data.
    let data = read_series_csv(&shipped("elnino_sst_monthly_12x61.csv")).expect("file reads");
    assert_eq!(data.values.shape(), (12, 61));
    let names = data.names.expect("the year row is a header");
    assert_eq!((names[0].as_str(), names[60].as_str()), ("1950", "2010"));
    assert!(data.values.iter().all(|&x| (18.9..29.3).contains(&x)));
}

#[test]
fn header_detection_and_override() {
    let dir = scratch("header");
    let numbers = write(&dir, "numbers.csv", "1,2\n3,4\n");
    let auto = read_series_csv(&numbers).unwrap();
    assert_eq!(
        auto.values,
        Matrix::from_row_slice(2, 2, &[1.0, 2.0, 3.0, 4.0])
    );
    assert_eq!(auto.names, None);
    let forced = read_series_csv_with(&numbers, Header::Present).unwrap();
    assert_eq!(forced.names, Some(vec!["1".to_string(), "2".to_string()]));
    assert_eq!(forced.values.shape(), (1, 2));

    let named = write(&dir, "named.csv", "a, b\n1.5,2\n\n3,4e-1\n");
    let data = read_series_csv(&named).unwrap();
    assert_eq!(data.names, Some(vec!["a".to_string(), "b".to_string()]));
    assert_eq!(
        data.values,
        Matrix::from_row_slice(2, 2, &[1.5, 2.0, 3.0, 0.4])
    );
}

#[test]
fn ragged_row_names_line_and_counts() {
    let dir = scratch("ragged");
    let path = write(&dir, "ragged.csv", "a,b,c\n1,2,3\n4,5\n");
    let error = read_series_csv(&path).unwrap_err();
    assert!(
        matches!(
            error,
            FactorizeError::RaggedRow {
                line: 3,
                expected: 3,
                found: 2,
                ..
            }
        ),
        "{error}"
    );
    let message = error.to_string();
    assert!(
        message.contains("line 3") && message.contains("ragged.csv"),
        "{message}"
    );
}

#[test]
fn non_numeric_cell_names_line_and_column() {
    let dir = scratch("text");
    let path = write(&dir, "text.csv", "a,b\n1,2\n3,oops\n");
    let error = read_series_csv(&path).unwrap_err();
    match &error {
        FactorizeError::NonNumeric {
            line, column, cell, ..
        } => {
            assert_eq!((*line, *column, cell.as_str()), (3, 2, "oops"));
        }
        other => panic!("expected NonNumeric, got {other}"),
    }
    assert!(error.to_string().contains("line 3, column 2"), "{error}");
}

#[test]
fn non_numeric_cell_names_series() {
    let dir = scratch("text-series");
    let path = write(&dir, "text.csv", "north,south\n1,2\n3,oops\n");
    let error = read_series_csv(&path).unwrap_err();
    match &error {
        FactorizeError::NonNumeric { series, row, .. } => {
            assert_eq!(series.as_deref(), Some("south"));
            assert_eq!(*row, 1);
        }
        other => panic!("expected NonNumeric, got {other}"),
    }
    assert!(
        error
            .to_string()
            .contains("line 3, column 2 (series south): cannot read \"oops\""),
        "{error}"
    );
}

#[test]
fn non_finite_cells_are_rejected() {
    let dir = scratch("non-finite");
    // Each file has one bad cell, after a blank line so that the line
    // count has to include it.
    let cases = [
        (
            "nan.csv",
            "north,south\n1.5,2.5\n\n3.5,NaN\n",
            4,
            2,
            Some("south"),
        ),
        (
            "inf.csv",
            "north,south\n1.5,2.5\n\n-inf,1\n",
            4,
            1,
            Some("north"),
        ),
        ("overflow.csv", "1.5,2.5\n\n3.5,1e999\n", 3, 2, None),
    ];
    for (name, content, expected_line, expected_column, expected_series) in cases {
        let path = write(&dir, name, content);
        let error = read_series_csv(&path).unwrap_err();
        let FactorizeError::NonFiniteCell {
            line,
            column,
            series,
            value,
            ..
        } = &error
        else {
            panic!("{name}: expected NonFiniteCell, got {error}");
        };
        assert_eq!(*line, expected_line, "{name}");
        assert_eq!(*column, expected_column, "{name}");
        assert_eq!(series.as_deref(), expected_series, "{name}");
        assert!(!value.is_finite(), "{name}: {value}");

        let message = error.to_string();
        let place = match expected_series {
            Some(series) => format!(
                "{name}, line {expected_line}, column {expected_column} (series {series}): \
                 the cell "
            ),
            None => format!("{name}, line {expected_line}, column {expected_column}: the cell "),
        };
        assert!(message.contains(&place), "{message}");
        assert!(message.contains(&format!("reads as {value}")), "{message}");
        if name == "overflow.csv" {
            assert!(message.contains("\"1e999\""), "{message}");
        }
        assert!(message.contains("replace the value"), "{message}");
    }
}

#[test]
fn records_keep_text_and_lines() {
    let dir = scratch("records");
    let path = write(
        &dir,
        "names.csv",
        "code, name\n\nNER,Niger\r\n\"COD\",\"Congo, Dem. Rep.\"\nX\n",
    );
    let records = read_csv_records(&path).unwrap();
    let lines: Vec<u64> = records.iter().map(|r| r.line).collect();
    assert_eq!(lines, [1, 3, 4, 5]);
    assert_eq!(records[0].cells, ["code", "name"]);
    assert_eq!(records[2].cells, ["COD", "Congo, Dem. Rep."]);
    assert_eq!(records[3].cells, ["X"]);
}

#[test]
fn lines_count_header_and_blank_lines() {
    let dir = scratch("lines");
    let text = write(&dir, "text.csv", "a,b\n\n1,2\n\n3,x\n");
    let error = read_series_csv(&text).unwrap_err();
    assert!(
        matches!(
            error,
            FactorizeError::NonNumeric {
                line: 5,
                column: 2,
                ..
            }
        ),
        "{error}"
    );
    let crlf = write(&dir, "crlf.csv", "a,b\r\n\r\n1,2\r\n3,x\r\n");
    let error = read_series_csv(&crlf).unwrap_err();
    assert!(
        matches!(error, FactorizeError::NonNumeric { line: 4, .. }),
        "{error}"
    );
    // Without a header the first line is data, and still line 1.
    let ragged = write(&dir, "ragged.csv", "1,2\n3\n");
    let error = read_series_csv(&ragged).unwrap_err();
    assert!(
        matches!(error, FactorizeError::RaggedRow { line: 2, .. }),
        "{error}"
    );
}

#[test]
fn duplicate_series_names_rejected() {
    let dir = scratch("duplicate");
    let path = write(&dir, "names.csv", "north,south,east,south\n1,2,3,4\n");
    let error = read_series_csv(&path).unwrap_err();
    match &error {
        FactorizeError::DuplicateName {
            line,
            name,
            first_column,
            second_column,
            ..
        } => {
            assert_eq!(*line, 1);
            assert_eq!(name, "south");
            assert_eq!((*first_column, *second_column), (2, 4));
        }
        other => panic!("expected DuplicateName, got {other}"),
    }
    let message = error.to_string();
    assert!(message.contains("names.csv, line 1"), "{message}");
    assert!(message.contains("\"south\""), "{message}");
    assert!(
        message.contains("column 2") && message.contains("column 4"),
        "{message}"
    );

    // Names are compared after trimming, as they are read.
    let spaced = write(&dir, "spaced.csv", "a, b ,b\n1,2,3\n");
    let error = read_series_csv(&spaced).unwrap_err();
    assert!(
        matches!(
            error,
            FactorizeError::DuplicateName {
                first_column: 2,
                second_column: 3,
                ..
            }
        ),
        "{error}"
    );

    // Repeated numbers in a data row are no header, so they are allowed.
    let numbers = write(&dir, "numbers.csv", "1,1\n2,2\n");
    assert_eq!(read_series_csv(&numbers).unwrap().names, None);
}

#[test]
fn invalid_utf8_names_line_and_column() {
    let dir = scratch("utf8");
    let path = dir.join("latin1.csv");
    fs::write(&path, b"a,b\n1,2\n3,\xe94\n").unwrap();
    let error = read_series_csv(&path).unwrap_err();
    assert!(
        matches!(error, FactorizeError::Csv { line: 3, .. }),
        "{error}"
    );
    let message = error.to_string();
    assert!(
        message.contains("latin1.csv, line 3: the cell in column 2 is not valid UTF-8"),
        "{message}"
    );
    assert!(message.contains("UTF-8"), "{message}");
}

#[test]
fn empty_and_header_only_files() {
    let dir = scratch("empty");
    for (name, content) in [
        ("empty.csv", ""),
        ("blank.csv", "\n\n"),
        ("header.csv", "a,b\n"),
    ] {
        let path = write(&dir, name, content);
        let error = read_series_csv(&path).unwrap_err();
        assert!(
            matches!(error, FactorizeError::EmptyFile { .. }),
            "{name}: {error}"
        );
    }
}

#[test]
fn missing_file_is_named() {
    let path = scratch("missing").join("nowhere.csv");
    let error = read_series_csv(&path).unwrap_err();
    assert!(
        matches!(error, FactorizeError::FileNotFound { .. }),
        "{error}"
    );
    assert!(error.to_string().contains("nowhere.csv"), "{error}");
}

#[test]
fn write_then_read_round_trips_exactly() {
    let dir = scratch("roundtrip");
    let m = Matrix::from_row_slice(2, 3, &[0.1, -2.5e-17, 3.0, 1.0 / 3.0, 1e300, -0.0]);
    let names: Vec<String> = ["x", "y, quoted", "z"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let path = dir.join("m.csv");
    write_matrix_csv(&path, &m, Some(&names)).expect("write succeeds");
    let back = read_series_csv(&path).expect("read succeeds");
    assert_eq!(back.values, m);
    assert_eq!(back.names, Some(names));
    // Only the target is left: the temporary file was renamed over it.
    let files: Vec<_> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(files, vec![std::ffi::OsString::from("m.csv")]);

    let plain = dir.join("plain.csv");
    write_matrix_csv(&plain, &m, None).expect("write succeeds");
    let text = fs::read_to_string(&plain).unwrap();
    assert_eq!(text.lines().count(), 2);
}

#[test]
fn tiny_and_huge_numbers_are_written_short() {
    let dir = scratch("short-numbers");
    let m = Matrix::from_row_slice(1, 4, &[5.371621255847231e-200, -1e200, 123.25, 2e-6]);
    let path = dir.join("m.csv");
    write_matrix_csv(&path, &m, None).expect("write succeeds");
    let text = fs::read_to_string(&path).unwrap();
    assert_eq!(text.trim_end(), "5.371621255847231e-200,-1e200,123.25,2e-6");
    let back = read_series_csv(&path).expect("read succeeds");
    assert_eq!(back.values, m);
}

#[test]
fn write_rejects_header_of_wrong_length() {
    let dir = scratch("badheader");
    let error = write_matrix_csv(
        &dir.join("m.csv"),
        &Matrix::zeros(2, 3),
        Some(&["a".to_string()]),
    )
    .unwrap_err();
    assert!(
        matches!(error, FactorizeError::InvalidSetting { name: "header", .. }),
        "{error}"
    );
    assert!(!dir.join("m.csv").exists());
}

#[test]
fn write_into_missing_folder_fails_with_path() {
    let path = scratch("nofolder").join("missing").join("m.csv");
    let error = write_matrix_csv(&path, &Matrix::zeros(1, 1), None).unwrap_err();
    assert!(
        matches!(
            error,
            FactorizeError::Io {
                action: "write",
                ..
            }
        ),
        "{error}"
    );
    assert!(error.to_string().contains("m.csv"), "{error}");
}
