//! The report folder appears whole or not at all: a run writes every file
//! into a fresh temporary folder beside `--out` and renames it into place
//! when all of them are written. A run that fails leaves `--out` as it was.

use std::collections::HashSet;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use crate::error::CliError;

/// Endings of the files a report consists of. Only such files, listed in
/// the report.json of the folder, are ever replaced.
const REPORT_ENDINGS: [&str; 4] = [".csv", ".png", ".json", ".html"];

/// Files that file managers create in any folder they open: macOS Finder's
/// `.DS_Store`, and Windows Explorer's `Thumbs.db` and `desktop.ini`. They
/// do not block replacing a report folder and are deleted with it, since
/// the file manager writes them again.
const OS_METADATA_FILES: [&str; 3] = [".DS_Store", "Thumbs.db", "desktop.ini"];

/// Prefix and suffix of the empty file that [`check_deletable`] creates and
/// deletes in an earlier report folder. A run killed between the two steps
/// leaves it there, so it counts as removable like the report's own files.
const DELETE_CHECK_PREFIX: &str = ".ferroflux-delete-check.";
const DELETE_CHECK_SUFFIX: &str = ".tmp";

/// A temporary folder that becomes `--out` on [`StagedFolder::install`] and
/// is removed if it is dropped before that, on an error or a panic.
///
/// A run killed by a signal leaves its `.NAME.PID-N.tmp` folder behind, and
/// a previous report that could not be deleted stays as `.NAME.PID-N.old`.
/// The next run into the same `--out` removes both once that process is
/// gone, or prints why it keeps them (see [`remove_abandoned`]).
#[derive(Debug)]
pub struct StagedFolder {
    /// `--out` as given, for messages.
    out: PathBuf,
    /// `--out` with its parent resolved, so that renames stay in one folder.
    target: PathBuf,
    /// The folder the files are written into.
    temporary: PathBuf,
    installed: bool,
}

impl StagedFolder {
    /// Checks that `out` is missing or an earlier report folder, then creates
    /// an empty temporary folder beside it (creating missing parents).
    ///
    /// `inputs` are the files the run reads, as `(option, path)`; one that
    /// lies inside `out` is an error, since installing the report would
    /// replace or delete it.
    pub fn create(out: &Path, inputs: &[(&str, &Path)]) -> Result<Self, CliError> {
        let target = resolve(out)?;
        check_inputs_outside(out, &target, inputs)?;
        check_replaceable(out, &target)?;
        remove_abandoned(&target);
        let temporary = create_sibling(&target, "tmp").map_err(|source| CliError::Output {
            path: out.to_path_buf(),
            problem: format!(
                "cannot create a temporary folder beside it: {source}; choose an --out in a \
                 folder you can write to"
            ),
        })?;
        Ok(StagedFolder {
            out: out.to_path_buf(),
            target,
            temporary,
            installed: false,
        })
    }

    /// Returns the folder to write the report files into.
    pub fn path(&self) -> &Path {
        &self.temporary
    }

    /// Moves the written folder to `--out`. An earlier report there is
    /// renamed aside first and deleted only after the new folder is in place,
    /// so `--out` is missing between the two renames (no portable rename
    /// swaps two folders in one step).
    pub fn install(mut self) -> Result<(), CliError> {
        // The folder may have changed during the fit.
        check_replaceable(&self.out, &self.target)?;
        let failed = |source: io::Error| CliError::Output {
            path: self.out.clone(),
            problem: format!("moving the finished report into place failed: {source}"),
        };
        if !self.target.exists() {
            fs::rename(&self.temporary, &self.target).map_err(failed)?;
            self.installed = true;
            return Ok(());
        }

        let previous = create_sibling(&self.target, "old").map_err(failed)?;
        fs::remove_dir(&previous).map_err(failed)?;
        fs::rename(&self.target, &previous).map_err(failed)?;
        if let Err(source) = fs::rename(&self.temporary, &self.target) {
            let _ = fs::rename(&previous, &self.target);
            return Err(failed(source));
        }
        self.installed = true;
        // check_replaceable found the folder deletable, so this fails only if
        // it changed since, or on a file system error.
        if let Err(error) = fs::remove_dir_all(&previous) {
            eprintln!(
                "note: the previous report was moved to {} but could not be deleted: {error}; \
                 the next run into --out {} tries again, or delete that folder yourself",
                previous.display(),
                self.out.display()
            );
        }
        Ok(())
    }
}

impl Drop for StagedFolder {
    fn drop(&mut self) {
        if !self.installed {
            let _ = fs::remove_dir_all(&self.temporary);
        }
    }
}

/// Returns `out` with its parent folder canonical (created if missing), or
/// `out` itself canonical if it exists, so that a link to a folder is
/// followed and the folder's siblings are known.
fn resolve(out: &Path) -> Result<PathBuf, CliError> {
    let problem = |problem: String| CliError::Output {
        path: out.to_path_buf(),
        problem,
    };
    if out.exists() {
        let target = fs::canonicalize(out).map_err(|e| problem(e.to_string()))?;
        if target.parent().is_none() {
            return Err(problem(
                "the root folder cannot be replaced; choose another --out".into(),
            ));
        }
        // Replacing the working folder, or a folder around it, would leave
        // the shell that started the run in a deleted folder.
        let working_folder = std::env::current_dir().and_then(fs::canonicalize);
        if working_folder.is_ok_and(|folder| folder.starts_with(&target)) {
            return Err(problem(
                "it is the current folder or contains it, and writing the report replaces                  that folder; choose a subfolder such as --out report"
                    .into(),
            ));
        }
        return Ok(target);
    }
    let Some(name) = out.file_name() else {
        return Err(problem(
            "the path does not end in a folder name; choose another --out".into(),
        ));
    };
    let parent = match out.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    if parent.exists() && !parent.is_dir() {
        return Err(problem(format!(
            "{} is a file, not a folder; choose another --out",
            parent.display()
        )));
    }
    fs::create_dir_all(parent).map_err(|source| {
        problem(format!(
            "cannot create its parent folder {}: {source}; choose another --out",
            parent.display()
        ))
    })?;
    let parent = fs::canonicalize(parent).map_err(|e| problem(e.to_string()))?;
    Ok(parent.join(name))
}

/// Rejects an input file that lies inside the folder the report replaces.
fn check_inputs_outside(
    out: &Path,
    target: &Path,
    inputs: &[(&str, &Path)],
) -> Result<(), CliError> {
    for (option, input) in inputs {
        let Ok(file) = fs::canonicalize(input) else {
            continue;
        };
        if file.starts_with(target) {
            return Err(CliError::Output {
                path: out.to_path_buf(),
                problem: format!(
                    "--{option} {} lies inside it, and writing the report replaces that \
                     folder, which would lose the file; copy the file elsewhere or choose \
                     another --out",
                    input.display()
                ),
            });
        }
    }
    Ok(())
}

/// Accepts a missing `target`, or a folder that contains only files that
/// the report.json in it lists and file manager metadata files and whose
/// files this process may delete. Otherwise the error names the first other
/// entry or the permission problem.
fn check_replaceable(out: &Path, target: &Path) -> Result<(), CliError> {
    let problem = |problem: String| CliError::Output {
        path: out.to_path_buf(),
        problem,
    };
    let metadata = match fs::metadata(target) {
        Ok(metadata) => metadata,
        Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(error) => return Err(problem(error.to_string())),
    };
    if !metadata.is_dir() {
        return Err(problem(
            "it is a file, not a folder; choose another --out or move the file away".into(),
        ));
    }

    let listed = previous_report_files(target).map_err(|reason| {
        problem(format!(
            "its {} cannot be read as the record of an earlier report ({reason}), so this \
             command cannot tell its own files from yours; restore or delete that file, or \
             choose another --out",
            out.join("report.json").display()
        ))
    })?;
    let entries = fs::read_dir(target).map_err(|e| problem(e.to_string()))?;
    let mut empty = true;
    for entry in entries {
        empty = false;
        let entry = entry.map_err(|e| problem(e.to_string()))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let is_file = entry.file_type().is_ok_and(|t| t.is_file());
        let removable =
            listed.contains(&name) || is_os_metadata_file(&name) || is_delete_check_file(&name);
        if !(is_file && removable) {
            return Err(problem(format!(
                "it contains {name}, which no earlier report listed in {}; this command \
                 replaces only the files of its own earlier reports, so choose another --out \
                 or move {name} out of the folder",
                out.join("report.json").display()
            )));
        }
    }
    // Deleting an empty folder needs write permission only on its parent.
    if empty {
        return Ok(());
    }
    check_deletable(out, target)
}

/// Checks that this process may delete the files of the earlier report in
/// `target` by creating and deleting an empty file there, which needs the
/// same permission on the folder. Trying covers ACLs, read-only mounts and
/// root, which mode bits do not show. Without this check the report would
/// be replaced and the old folder left beside it for good.
fn check_deletable(out: &Path, target: &Path) -> Result<(), CliError> {
    let probe = target.join(format!(
        "{DELETE_CHECK_PREFIX}{}{DELETE_CHECK_SUFFIX}",
        std::process::id()
    ));
    let created = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&probe)
        .map(drop)
        .and_then(|()| fs::remove_file(&probe));
    created.map_err(|source| CliError::Output {
        path: out.to_path_buf(),
        problem: format!(
            "the earlier report in it cannot be replaced, because this user may not delete \
             files in that folder (creating a file there failed: {source}); make the folder \
             writable with `chmod u+w {}`, or choose another --out",
            out.display()
        ),
    })
}

/// Returns whether `name` is a file that [`check_deletable`] creates.
fn is_delete_check_file(name: &str) -> bool {
    name.strip_prefix(DELETE_CHECK_PREFIX)
        .and_then(|rest| rest.strip_suffix(DELETE_CHECK_SUFFIX))
        .is_some_and(|pid| pid.parse::<u32>().is_ok())
}

/// Returns the file names that the report.json in `folder` lists, and
/// report.json itself. Only plain names with a report ending count. Without
/// a report.json the set is empty; a report.json that cannot be read or
/// has no file list is an error, described in the returned text.
fn previous_report_files(folder: &Path) -> Result<HashSet<String>, String> {
    let text = match fs::read_to_string(folder.join("report.json")) {
        Ok(text) => text,
        Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(HashSet::new()),
        Err(error) => return Err(error.to_string()),
    };
    let report = serde_json::from_str::<serde_json::Value>(&text)
        .map_err(|error| format!("it is not valid JSON: {error}"))?;
    let Some(files) = report["files"].as_array() else {
        return Err("it has no \"files\" list".to_string());
    };
    let mut names: HashSet<String> = files
        .iter()
        .filter_map(|file| file.as_str())
        .filter(|name| is_report_file_name(name))
        .map(str::to_owned)
        .collect();
    names.insert("report.json".to_string());
    Ok(names)
}

fn is_report_file_name(name: &str) -> bool {
    let plain = !name.contains(['/', '\\']) && !name.starts_with('.');
    plain && REPORT_ENDINGS.iter().any(|ending| name.ends_with(ending))
}

/// Returns whether `name` is one of [`OS_METADATA_FILES`], ignoring ASCII case as
/// the file systems of macOS and Windows do by default.
fn is_os_metadata_file(name: &str) -> bool {
    OS_METADATA_FILES
        .iter()
        .any(|metadata| name.eq_ignore_ascii_case(metadata))
}

/// Returns whether `name` is a half-written report file as the atomic writers
/// name them while writing: `.FILE.PID-N.tmp`, with FILE a report file name.
fn is_partial_report_file(name: &str) -> bool {
    let Some(inner) = name.strip_prefix('.').and_then(|n| n.strip_suffix(".tmp")) else {
        return false;
    };
    let Some((file, counter)) = inner.rsplit_once('.') else {
        return false;
    };
    let numbered = counter
        .split_once('-')
        .is_some_and(|(pid, n)| pid.parse::<u32>().is_ok() && n.parse::<u32>().is_ok());
    numbered && is_report_file_name(file)
}

/// Removes the folders that earlier runs left beside `target`: a
/// `.NAME.PID-N.tmp` folder of a killed run, and a `.NAME.PID-N.old` folder
/// holding a previous report that could not be deleted. A folder is removed
/// once its process no longer runs, if it contains only report files and
/// file manager metadata files. Every run prints a note on stderr for each
/// such folder it keeps, with the reason, so that none stays unnoticed.
/// Where the system cannot tell whether a process runs (no `/proc`),
/// nothing is removed.
fn remove_abandoned(target: &Path) {
    let proc_root = Path::new("/proc");
    if !proc_root.join("self").exists() {
        return;
    }
    let parent = target.parent().unwrap_or(Path::new("."));
    let Some(name) = target.file_name().map(|n| n.to_string_lossy().into_owned()) else {
        return;
    };
    let Ok(entries) = fs::read_dir(parent) else {
        return;
    };
    let own = std::process::id();
    for entry in entries.flatten() {
        let file_name = entry.file_name().to_string_lossy().into_owned();
        let Some((pid, kind)) = abandoned_folder(&file_name, &name) else {
            continue;
        };
        if pid == own || proc_root.join(pid.to_string()).exists() {
            continue;
        }
        let path = entry.path();
        let origin = match kind {
            Leftover::Temporary => format!("left by an interrupted run (process {pid})"),
            Leftover::Previous => format!(
                "a previous report that a run (process {pid}) moved aside and could not delete"
            ),
        };
        match removal_blocker(&path) {
            Some(reason) => eprintln!("note: kept {}, {origin}, because {reason}", path.display()),
            None => match fs::remove_dir_all(&path) {
                Ok(()) => eprintln!("note: removed {}, {origin}", path.display()),
                Err(error) => eprintln!(
                    "note: kept {}, {origin}, because deleting it failed: {error}; delete it \
                     yourself (for a read-only folder, `chmod -R u+w` it first)",
                    path.display()
                ),
            },
        }
    }
}

/// Returns why the leftover folder `path` must not be removed: it cannot be
/// listed, or it contains an entry that no run of this command writes.
fn removal_blocker(path: &Path) -> Option<String> {
    let entries = match fs::read_dir(path) {
        Ok(entries) => entries,
        Err(error) => return Some(format!("listing it failed: {error}")),
    };
    for entry in entries {
        let entry = match entry {
            Ok(entry) => entry,
            Err(error) => return Some(format!("listing it failed: {error}")),
        };
        let name = entry.file_name().to_string_lossy().into_owned();
        let is_file = entry.file_type().is_ok_and(|t| t.is_file());
        let ours = is_report_file_name(&name)
            || is_partial_report_file(&name)
            || is_os_metadata_file(&name)
            || is_delete_check_file(&name);
        if !(is_file && ours) {
            return Some(format!(
                "it contains {name}, which this command does not write; move {name} elsewhere, \
                 then delete the folder"
            ));
        }
    }
    None
}

/// The kind of a folder that an earlier run left beside `--out`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Leftover {
    /// `.NAME.PID-N.tmp`: the report a killed run was writing.
    Temporary,
    /// `.NAME.PID-N.old`: a previous report moved aside but not deleted.
    Previous,
}

/// Returns the process id and kind of `file_name` if it is
/// `.{name}.PID-N.tmp` or `.{name}.PID-N.old`.
fn abandoned_folder(file_name: &str, name: &str) -> Option<(u32, Leftover)> {
    let rest = file_name
        .strip_prefix('.')?
        .strip_prefix(name)?
        .strip_prefix('.')?;
    let (rest, kind) = match rest.strip_suffix(".tmp") {
        Some(rest) => (rest, Leftover::Temporary),
        None => (rest.strip_suffix(".old")?, Leftover::Previous),
    };
    let (pid, attempt) = rest.split_once('-')?;
    attempt.parse::<u32>().ok()?;
    Some((pid.parse().ok()?, kind))
}

/// Creates a new empty folder `.NAME.PID-N.KIND` beside `target`.
fn create_sibling(target: &Path, kind: &str) -> io::Result<PathBuf> {
    let parent = target.parent().unwrap_or(Path::new("."));
    let name = target
        .file_name()
        .map_or_else(|| "report".into(), |n| n.to_string_lossy().into_owned());
    let pid = std::process::id();
    for attempt in 0.. {
        let path = parent.join(format!(".{name}.{pid}-{attempt}.{kind}"));
        match fs::create_dir(&path) {
            Ok(()) => return Ok(path),
            Err(error) if error.kind() == io::ErrorKind::AlreadyExists && attempt < 100 => {}
            Err(error) => return Err(error),
        }
    }
    unreachable!("the loop returns by attempt 100")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn abandoned_folder_names() {
        assert_eq!(
            abandoned_folder(".out.4242-0.tmp", "out"),
            Some((4242, Leftover::Temporary))
        );
        assert_eq!(
            abandoned_folder(".out.4242-3.old", "out"),
            Some((4242, Leftover::Previous))
        );
        assert_eq!(abandoned_folder(".out.x.4242-0.tmp", "out"), None);
        assert_eq!(abandoned_folder(".other.4242-0.tmp", "out"), None);
        assert_eq!(abandoned_folder(".out.4242.tmp", "out"), None);
        assert_eq!(abandoned_folder("out.4242-0.tmp", "out"), None);
        assert_eq!(abandoned_folder(".out.4242-0.bak", "out"), None);
    }

    #[test]
    fn delete_check_file_names() {
        assert!(is_delete_check_file(".ferroflux-delete-check.4242.tmp"));
        assert!(!is_delete_check_file(".ferroflux-delete-check.tmp"));
        assert!(!is_delete_check_file(".ferroflux-delete-check.x.tmp"));
        assert!(!is_delete_check_file("ferroflux-delete-check.4242.tmp"));
    }

    #[test]
    fn partial_report_file_names() {
        assert!(is_partial_report_file(".loss.png.18462-4.tmp"));
        assert!(is_partial_report_file(".W.csv.1-0.tmp"));
        assert!(!is_partial_report_file(".thesis.txt.1-0.tmp"));
        assert!(!is_partial_report_file(".loss.png.tmp"));
        assert!(!is_partial_report_file("loss.png.1-0.tmp"));
    }

    #[test]
    fn report_file_names() {
        assert!(is_report_file_name("W_seed_objective.csv"));
        assert!(is_report_file_name("index.html"));
        assert!(!is_report_file_name("../thesis.csv"));
        assert!(!is_report_file_name(".W.csv.123.tmp"));
        assert!(!is_report_file_name("notes.txt"));
    }

    #[test]
    fn os_metadata_file_names() {
        assert!(is_os_metadata_file(".DS_Store"));
        assert!(is_os_metadata_file("Thumbs.db"));
        assert!(is_os_metadata_file("thumbs.db"));
        assert!(is_os_metadata_file("desktop.ini"));
        assert!(is_os_metadata_file("Desktop.ini"));
        assert!(!is_os_metadata_file("DS_Store"));
        assert!(!is_os_metadata_file(".DS_Store.bak"));
        assert!(!is_os_metadata_file("notes.txt"));
    }
}
