//! The `os` global: environment, platform, paths and files of the machine weir runs on
//! (not the codebase: relative paths are against the process's working directory).
//!
//! Failures follow Pipy: `readFile` of a missing file logs an error and returns `null`,
//! `writeFile` logs and returns `undefined`, `stat` returns `null`, `list`/`readDir` of a
//! missing directory return `[]` and `unlink` returns `false`; `read`, `write`, `rename`,
//! `mkdir`, `rmdir` and `rm` throw an `Error` naming the path and the reason.
//! `list` leaves out names starting with `.`, marks directories with a trailing `/`, and
//! (unlike Pipy, which keeps the directory's order) sorts the names.
//! `os.path` works like Node's `path.posix`.

use std::path::{Path, PathBuf};

use rquickjs::class::Trace;
use rquickjs::function::{Opt, Rest};
use rquickjs::{Class, Ctx, Exception, Function, JsLifetime, Object, Result, Value};
use weir_engine::Data;

use crate::api::data::{new_data, JsData};

pub fn install<'js>(ctx: &Ctx<'js>) -> Result<()> {
    let os = Object::new(ctx.clone())?;
    let env = Object::new(ctx.clone())?;
    for (k, v) in std::env::vars_os() {
        env.set(k.to_string_lossy().as_ref(), v.to_string_lossy().as_ref())?;
    }
    os.set("env", env)?;
    os.set("platform", platform())?;
    let f = |name: &str, f: Function<'js>| -> Result<()> { os.set(name, f.with_name(name)?) };
    f("home", Function::new(ctx.clone(), home)?)?;
    f("stat", Function::new(ctx.clone(), stat)?)?;
    f("list", Function::new(ctx.clone(), list)?)?;
    f("readDir", Function::new(ctx.clone(), list)?)?;
    f("read", Function::new(ctx.clone(), read)?)?;
    f("readFile", Function::new(ctx.clone(), read_file)?)?;
    f("write", Function::new(ctx.clone(), write)?)?;
    f("writeFile", Function::new(ctx.clone(), write_file)?)?;
    f("rename", Function::new(ctx.clone(), rename)?)?;
    f("unlink", Function::new(ctx.clone(), unlink)?)?;
    f("mkdir", Function::new(ctx.clone(), mkdir)?)?;
    f("rmdir", Function::new(ctx.clone(), rmdir)?)?;
    f("rm", Function::new(ctx.clone(), rm)?)?;
    f("chdir", Function::new(ctx.clone(), chdir)?)?;
    f("abspath", Function::new(ctx.clone(), abspath)?)?;

    let path = Object::new(ctx.clone())?;
    let p = |name: &str, f: Function<'js>| -> Result<()> { path.set(name, f.with_name(name)?) };
    p(
        "join",
        Function::new(ctx.clone(), |parts: Rest<String>| join(&parts.0))?,
    )?;
    p(
        "resolve",
        Function::new(ctx.clone(), |parts: Rest<String>| resolve(&cwd(), &parts.0))?,
    )?;
    p(
        "normalize",
        Function::new(ctx.clone(), |s: String| normalize(&s))?,
    )?;
    p(
        "dirname",
        Function::new(ctx.clone(), |s: String| dirname(&s))?,
    )?;
    p(
        "basename",
        Function::new(ctx.clone(), |s: String, ext: Opt<String>| {
            basename(&s, ext.0.as_deref())
        })?,
    )?;
    os.set("path", path)?;

    ctx.globals().set("os", os)?;
    Ok(())
}

fn platform() -> &'static str {
    match std::env::consts::OS {
        "linux" => "linux",
        "macos" => "darwin",
        "windows" => "windows",
        "freebsd" => "freebsd",
        _ => "",
    }
}

fn home() -> String {
    std::env::var("HOME").unwrap_or_default()
}

fn cwd() -> String {
    std::env::current_dir()
        .map(|p| p.to_string_lossy().into_owned())
        .unwrap_or_else(|_| "/".to_string())
}

fn fail(ctx: &Ctx<'_>, what: &str, path: &str, e: &std::io::Error) -> rquickjs::Error {
    Exception::throw_message(ctx, &format!("{what} '{path}': {}", reason(e)))
}

/// The OS's words for an error, without Rust's "(os error N)" suffix.
fn reason(e: &std::io::Error) -> String {
    let s = e.to_string();
    match s.find(" (os error") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}

// ---------------------------------------------------------------------------------------
// Files

/// `os.stat(path)`: what `stat(2)` says, or `null` when there is nothing there.
#[derive(Trace, JsLifetime)]
#[rquickjs::class]
pub struct Stats {
    #[qjs(skip_trace)]
    meta: std::fs::Metadata,
}

#[rquickjs::methods]
impl Stats {
    #[qjs(get)]
    pub fn size(&self) -> f64 {
        self.meta.len() as f64
    }
    #[qjs(get)]
    pub fn mode(&self) -> u32 {
        use std::os::unix::fs::MetadataExt;
        self.meta.mode()
    }
    #[qjs(get)]
    pub fn dev(&self) -> f64 {
        use std::os::unix::fs::MetadataExt;
        self.meta.dev() as f64
    }
    #[qjs(get)]
    pub fn ino(&self) -> f64 {
        use std::os::unix::fs::MetadataExt;
        self.meta.ino() as f64
    }
    #[qjs(get)]
    pub fn nlink(&self) -> f64 {
        use std::os::unix::fs::MetadataExt;
        self.meta.nlink() as f64
    }
    #[qjs(get)]
    pub fn uid(&self) -> u32 {
        use std::os::unix::fs::MetadataExt;
        self.meta.uid()
    }
    #[qjs(get)]
    pub fn gid(&self) -> u32 {
        use std::os::unix::fs::MetadataExt;
        self.meta.gid()
    }
    /// Seconds since the epoch, as `stat(2)` gives them.
    #[qjs(get)]
    pub fn atime(&self) -> f64 {
        use std::os::unix::fs::MetadataExt;
        self.meta.atime() as f64
    }
    #[qjs(get)]
    pub fn mtime(&self) -> f64 {
        use std::os::unix::fs::MetadataExt;
        self.meta.mtime() as f64
    }
    #[qjs(get)]
    pub fn ctime(&self) -> f64 {
        use std::os::unix::fs::MetadataExt;
        self.meta.ctime() as f64
    }
    #[qjs(rename = "isFile")]
    pub fn is_file(&self) -> bool {
        self.meta.file_type().is_file()
    }
    #[qjs(rename = "isDirectory")]
    pub fn is_directory(&self) -> bool {
        self.meta.file_type().is_dir()
    }
    #[qjs(rename = "isSymbolicLink")]
    pub fn is_symbolic_link(&self) -> bool {
        self.meta.file_type().is_symlink()
    }
    #[qjs(rename = "isFIFO")]
    pub fn is_fifo(&self) -> bool {
        use std::os::unix::fs::FileTypeExt;
        self.meta.file_type().is_fifo()
    }
    #[qjs(rename = "isSocket")]
    pub fn is_socket(&self) -> bool {
        use std::os::unix::fs::FileTypeExt;
        self.meta.file_type().is_socket()
    }
    #[qjs(rename = "isCharacterDevice")]
    pub fn is_character_device(&self) -> bool {
        use std::os::unix::fs::FileTypeExt;
        self.meta.file_type().is_char_device()
    }
    #[qjs(rename = "isBlockDevice")]
    pub fn is_block_device(&self) -> bool {
        use std::os::unix::fs::FileTypeExt;
        self.meta.file_type().is_block_device()
    }
}

fn stat<'js>(ctx: Ctx<'js>, path: String) -> Result<Value<'js>> {
    match std::fs::metadata(&path) {
        Ok(meta) => Ok(Class::instance(ctx, Stats { meta })?.into_value()),
        Err(_) => Ok(Value::new_null(ctx)),
    }
}

/// Names in `dir` (no dot files; directories end in `/`), sorted; `[]` if unreadable.
fn list(path: String) -> Vec<String> {
    let Ok(rd) = std::fs::read_dir(&path) else {
        return Vec::new();
    };
    let mut names: Vec<String> = rd
        .flatten()
        .filter_map(|e| {
            let mut name = e.file_name().to_string_lossy().into_owned();
            if name.starts_with('.') {
                return None;
            }
            if e.file_type().is_ok_and(|t| t.is_dir()) {
                name.push('/');
            }
            Some(name)
        })
        .collect();
    names.sort();
    names
}

fn read<'js>(ctx: Ctx<'js>, path: String) -> Result<Value<'js>> {
    match std::fs::read(&path) {
        Ok(bytes) => new_data(&ctx, Data::from(bytes)),
        Err(e) => Err(fail(&ctx, "os.read(): cannot read file", &path, &e)),
    }
}

fn read_file<'js>(ctx: Ctx<'js>, path: String) -> Result<Value<'js>> {
    match std::fs::read(&path) {
        Ok(bytes) => new_data(&ctx, Data::from(bytes)),
        Err(e) => {
            tracing::error!("[os] readFile: cannot read file '{path}': {}", reason(&e));
            Ok(Value::new_null(ctx))
        }
    }
}

/// A Data or a string to write; anything else is a `TypeError`.
fn content<'js>(ctx: &Ctx<'js>, what: &str, v: Opt<Value<'js>>) -> Result<Vec<u8>> {
    let v = v.0.unwrap_or_else(|| Value::new_undefined(ctx.clone()));
    if let Ok(d) = Class::<JsData>::from_value(&v) {
        return Ok(d.borrow().data.to_vec());
    }
    if let Some(s) = v.as_string() {
        return Ok(s.to_string()?.into_bytes());
    }
    Err(Exception::throw_type(
        ctx,
        &format!(
            "{what}: argument #2 expects a Data or a string, got {}",
            crate::value::type_name(&v)
        ),
    ))
}

fn write<'js>(ctx: Ctx<'js>, path: String, data: Opt<Value<'js>>) -> Result<()> {
    let bytes = content(&ctx, "os.write()", data)?;
    std::fs::write(&path, bytes).map_err(|e| fail(&ctx, "os.write(): cannot write file", &path, &e))
}

fn write_file<'js>(ctx: Ctx<'js>, path: String, data: Opt<Value<'js>>) -> Result<()> {
    let bytes = content(&ctx, "os.writeFile()", data)?;
    if let Err(e) = std::fs::write(&path, bytes) {
        tracing::error!("[os] writeFile: cannot write file '{path}': {}", reason(&e));
    }
    Ok(())
}

fn rename(ctx: Ctx<'_>, from: String, to: String) -> Result<()> {
    std::fs::rename(&from, &to).map_err(|e| {
        Exception::throw_message(
            &ctx,
            &format!(
                "os.rename(): cannot rename '{from}' to '{to}': {}",
                reason(&e)
            ),
        )
    })
}

fn unlink(path: String) -> bool {
    std::fs::remove_file(path).is_ok()
}

/// `{recursive, force}` options; absent or `null` means both false.
fn flag<'js>(opts: &Opt<Value<'js>>, name: &str) -> Result<bool> {
    match opts.0.as_ref().and_then(|v| v.as_object()) {
        Some(o) => Ok(crate::data_truthy(&o.get::<_, Value>(name)?)),
        None => Ok(false),
    }
}

fn mkdir<'js>(ctx: Ctx<'js>, path: String, opts: Opt<Value<'js>>) -> Result<()> {
    let r = if flag(&opts, "recursive")? {
        std::fs::create_dir_all(&path)
    } else {
        std::fs::create_dir(&path)
    };
    r.map_err(|e| fail(&ctx, "os.mkdir(): cannot create directory", &path, &e))
}

/// Removes an empty directory, or a whole tree with `{recursive: true}`. With
/// `{force: true}` a missing path is `false` instead of an error.
fn rmdir<'js>(ctx: Ctx<'js>, path: String, opts: Opt<Value<'js>>) -> Result<bool> {
    if flag(&opts, "recursive")? {
        return rm(ctx, path, opts);
    }
    if flag(&opts, "force")? && std::fs::symlink_metadata(&path).is_err() {
        return Ok(false);
    }
    std::fs::remove_dir(&path)
        .map(|_| true)
        .map_err(|e| fail(&ctx, "os.rmdir(): cannot remove directory", &path, &e))
}

/// Removes a file, or a tree with `{recursive: true}`; `{force: true}` as for `rmdir`.
fn rm<'js>(ctx: Ctx<'js>, path: String, opts: Opt<Value<'js>>) -> Result<bool> {
    let meta = std::fs::symlink_metadata(&path);
    if flag(&opts, "force")? && meta.is_err() {
        return Ok(false);
    }
    let r = match meta {
        Ok(m) if m.is_dir() && flag(&opts, "recursive")? => std::fs::remove_dir_all(&path),
        _ => std::fs::remove_file(&path),
    };
    r.map(|_| true)
        .map_err(|e| fail(&ctx, "os.rm(): cannot remove", &path, &e))
}

fn chdir(ctx: Ctx<'_>, path: String) -> Result<()> {
    std::env::set_current_dir(&path)
        .map_err(|e| fail(&ctx, "os.chdir(): cannot change directory to", &path, &e))
}

/// The absolute, symlink-free form of an existing path; a path that does not exist is
/// resolved against the working directory without touching the disk.
fn abspath(path: String) -> String {
    match std::fs::canonicalize(&path) {
        Ok(p) => p.to_string_lossy().into_owned(),
        Err(_) => resolve(&cwd(), &[path]),
    }
}

// ---------------------------------------------------------------------------------------
// os.path (pure, POSIX, like Node's path.posix)

/// Resolves `.` and `..`, collapses repeated `/`, keeps a leading and a trailing `/`;
/// `''` is `'.'`.
pub fn normalize(path: &str) -> String {
    if path.is_empty() {
        return ".".to_string();
    }
    let absolute = path.starts_with('/');
    let trailing = path.ends_with('/');
    let mut out: Vec<&str> = Vec::new();
    for seg in path.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                if out.last().is_some_and(|s| *s != "..") {
                    out.pop();
                } else if !absolute {
                    out.push("..");
                }
            }
            s => out.push(s),
        }
    }
    let mut s = out.join("/");
    if s.is_empty() && !absolute {
        s.push('.');
    }
    if trailing && !s.is_empty() && !s.ends_with('/') {
        s.push('/');
    }
    if absolute {
        s.insert(0, '/');
        if s.starts_with("//") {
            s.remove(0);
        }
    }
    s
}

pub fn join(parts: &[String]) -> String {
    let joined: Vec<&str> = parts
        .iter()
        .map(String::as_str)
        .filter(|p| !p.is_empty())
        .collect();
    if joined.is_empty() {
        return ".".to_string();
    }
    normalize(&joined.join("/"))
}

/// From right to left until a path is absolute, prefixed with `cwd` if none is; normalised,
/// without a trailing `/`.
pub fn resolve(cwd: &str, parts: &[String]) -> String {
    let mut acc = PathBuf::new();
    let mut absolute = false;
    for p in parts.iter().rev().filter(|p| !p.is_empty()) {
        acc = Path::new(p).join(&acc);
        if p.starts_with('/') {
            absolute = true;
            break;
        }
    }
    if !absolute {
        acc = Path::new(cwd).join(acc);
    }
    let s = normalize(&acc.to_string_lossy());
    if s.len() > 1 {
        s.trim_end_matches('/').to_string()
    } else {
        s
    }
}

pub fn dirname(path: &str) -> String {
    if path.is_empty() {
        return ".".to_string();
    }
    let trimmed = path.trim_end_matches('/');
    if trimmed.is_empty() {
        return "/".to_string();
    }
    match trimmed.rfind('/') {
        None => ".".to_string(),
        Some(i) => {
            let d = trimmed[..i].trim_end_matches('/');
            if d.is_empty() {
                "/".to_string()
            } else {
                d.to_string()
            }
        }
    }
}

/// The last segment; without `ext` when it ends with it (and is more than it).
pub fn basename(path: &str, ext: Option<&str>) -> String {
    let trimmed = path.trim_end_matches('/');
    let base = trimmed.rsplit('/').next().unwrap_or("");
    match ext {
        Some(ext) if !ext.is_empty() && base.len() > ext.len() && base.ends_with(ext) => {
            base[..base.len() - ext.len()].to_string()
        }
        _ => base.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(xs: &[&str]) -> Vec<String> {
        xs.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn normalize_like_node() {
        for (i, o) in [
            ("", "."),
            ("/", "/"),
            ("//a//b/", "/a/b/"),
            ("a/./b/../c", "a/c"),
            ("../a/..", ".."),
            ("/../a", "/a"),
            ("a/..", "."),
            ("./", "./"),
            ("a/b/../../..", ".."),
        ] {
            assert_eq!(normalize(i), o, "{i:?}");
        }
    }

    #[test]
    fn join_resolve_dirname_basename() {
        assert_eq!(join(&v(&["/a", "b", "../c", ""])), "/a/c");
        assert_eq!(join(&v(&[])), ".");
        assert_eq!(resolve("/w", &v(&["x", "y/"])), "/w/x/y");
        assert_eq!(resolve("/w", &v(&["x", "/abs", "z"])), "/abs/z");
        assert_eq!(resolve("/w", &v(&[])), "/w");
        assert_eq!(resolve("/", &v(&[".."])), "/");
        assert_eq!(dirname("/a/b/"), "/a");
        assert_eq!(dirname("a"), ".");
        assert_eq!(dirname("/a"), "/");
        assert_eq!(dirname("/"), "/");
        assert_eq!(basename("/a/b.txt", Some(".txt")), "b");
        assert_eq!(basename("/a/b/", None), "b");
        assert_eq!(basename(".txt", Some(".txt")), ".txt");
    }
}
