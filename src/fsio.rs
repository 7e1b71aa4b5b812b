//! Reading user files safely: only regular files, of bounded size, and — for a template
//! pack — only files that resolve inside its own folder.
//!
//! Every read of user input goes through here, so a FIFO cannot block a command, a device
//! (`/dev/zero`) cannot exhaust memory, and a symlink in a pack cannot print `/etc/passwd`
//! or `/proc/self/environ` into a report.

use std::io::Read;
use std::path::{Path, PathBuf};

use crate::error::{Diagnostic, Error, Result};
use crate::limits::Limits;

/// What kind of non-regular file `meta` describes, in Chinese.
fn kind_of(meta: &std::fs::Metadata) -> &'static str {
    let ft = meta.file_type();
    if ft.is_dir() {
        return "文件夹";
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if ft.is_fifo() {
            return "命名管道（FIFO）";
        }
        if ft.is_socket() {
            return "套接字";
        }
        if ft.is_char_device() || ft.is_block_device() {
            return "设备文件";
        }
    }
    "特殊文件"
}

/// Refuse anything but a regular file (following symlinks), before opening it: opening a
/// FIFO would block.
///
/// # Errors
/// [`Error::Io`] if `path` cannot be examined; [`Error::Input`] naming `path` if it is a
/// folder, FIFO, socket or device.
pub fn check_regular(path: &Path) -> Result<std::fs::Metadata> {
    let meta = std::fs::metadata(path).map_err(|e| Error::io(path, e))?;
    // Files of the kernel's virtual file systems claim to be regular but may block on
    // read (`/proc/kmsg`), never end, or hold secrets (`/proc/self/environ`).
    #[cfg(target_os = "linux")]
    if let Ok(real) = path.canonicalize() {
        if real.starts_with("/proc") || real.starts_with("/sys") {
            return Err(Error::input(Diagnostic::new(
                path,
                format!(
                    "是系统虚拟文件（{}），不是数据文件，拒绝读取",
                    real.display()
                ),
            )));
        }
    }
    if !meta.is_file() {
        return Err(Error::input(Diagnostic::new(
            path,
            format!("不是普通文件（是{}），拒绝读取", kind_of(&meta)),
        )));
    }
    Ok(meta)
}

/// Read a regular file of at most `max_mb` MiB; `env` names the variable that raises the
/// limit (e.g. `DIAOYAN_MAX_FILE_MB`), quoted in the message.
///
/// The size is checked before reading and again while reading (a file that grows, or a
/// `/proc` file whose size is reported as 0, cannot exceed it).
///
/// # Errors
/// [`check_regular`]'s, an I/O error, or [`Error::Input`] if the file is larger.
pub fn read_bounded(path: &Path, max_mb: u64, env: &str) -> Result<Vec<u8>> {
    let meta = check_regular(path)?;
    let max = Limits::bytes(max_mb);
    let too_big = |size: u64| {
        Error::input(Diagnostic::new(
            path,
            format!(
                "文件过大（{}），超过上限 {max_mb} MiB；如确需处理，可设置环境变量 {env} 调高上限",
                human_size(size)
            ),
        ))
    };
    if meta.len() > max {
        return Err(too_big(meta.len()));
    }
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let mut bytes = Vec::with_capacity(meta.len().min(max) as usize);
    file.take(max.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| Error::io(path, e))?;
    if bytes.len() as u64 > max {
        return Err(too_big(bytes.len() as u64));
    }
    Ok(bytes)
}

/// [`read_bounded`] with the data-file limit ([`Limits::file_mb`]).
pub fn read_data(path: &Path) -> Result<Vec<u8>> {
    read_bounded(
        path,
        crate::limits::current().file_mb,
        "DIAOYAN_MAX_FILE_MB",
    )
}

/// Resolve `path` (which must name something inside `root`) and refuse it unless it is a
/// regular file whose real location — after every symlink — is inside `root`'s real
/// location. Returns the resolved path.
///
/// # Errors
/// [`Error::Input`] naming `path` if it resolves outside `root` or is not a regular file.
pub fn contained(root: &Path, path: &Path) -> Result<PathBuf> {
    let real_root = root.canonicalize().map_err(|e| Error::io(root, e))?;
    let real = path.canonicalize().map_err(|e| Error::io(path, e))?;
    if !real.starts_with(&real_root) {
        return Err(Error::input(Diagnostic::new(
            path,
            format!(
                "指向模板包文件夹之外（{}），拒绝读取：模板包只能使用自己文件夹内的普通文件",
                real.display()
            ),
        )));
    }
    check_regular(&real)?;
    Ok(real)
}

/// Why an I/O operation failed, in Chinese: the one mapping from [`std::io::ErrorKind`] and
/// the raw OS error number to a message every command shows (data file, `previous:`, pack
/// files, outputs, batch, watch, import and export). The path is not included: callers
/// print it before the reason.
///
/// An error whose own message is already Chinese (built by this crate) keeps it. An error
/// nothing here knows keeps its OS number (`系统错误 N`) for a bug report, never the
/// system's English text.
pub fn io_reason(e: &std::io::Error) -> String {
    use std::io::ErrorKind as K;
    // Errors this crate built with a Chinese message (`io::Error::new(kind, "…")`).
    if e.raw_os_error().is_none() && e.get_ref().is_some() {
        let own = e.to_string();
        if own.chars().any(crate::chars::is_cjk) {
            return own;
        }
    }
    // Raw numbers first where the kind is too broad (Linux errno values).
    #[cfg(target_os = "linux")]
    if let Some(n) = e.raw_os_error() {
        let by_number = match n {
            1 => Some("不允许此操作（权限不足）"),
            5 => Some("读写设备时出错（磁盘或网络盘故障）"),
            6 | 19 => Some("设备不存在或未就绪"),
            9 => Some("文件句柄无效"),
            11 => Some("资源暂时不可用，请稍后重试"),
            12 => Some("内存不足"),
            16 => Some("文件或设备正忙"),
            17 => Some("文件已存在"),
            18 => Some("不能跨磁盘（文件系统）移动文件"),
            20 => Some("路径中的某一级不是文件夹"),
            21 => Some("这是文件夹，不是文件"),
            22 => Some("参数无效（文件名或路径不合法，例如含有 NUL 字符）"),
            23 | 24 => Some("打开的文件过多"),
            26 => Some("文件正被执行，无法写入"),
            27 => Some("文件过大，超出文件系统允许的大小"),
            28 => Some("磁盘空间不足"),
            30 => Some("文件系统是只读的"),
            31 => Some("链接过多"),
            36 => Some("文件名或路径过长"),
            39 => Some("文件夹不是空的"),
            40 => Some("符号链接层数过多（链接可能成环）"),
            95 => Some("文件系统不支持此操作"),
            110 => Some("操作超时"),
            116 => Some("网络文件句柄已失效（NFS），请重新打开文件夹"),
            122 => Some("超出磁盘配额"),
            _ => None,
        };
        if let Some(m) = by_number {
            return m.to_string();
        }
    }
    let m = match e.kind() {
        K::NotFound => "文件或文件夹不存在（或是指向不存在之处的符号链接）",
        K::PermissionDenied => "没有权限（无法读取或写入）",
        K::AlreadyExists => "文件已存在",
        K::IsADirectory => "这是文件夹，不是文件",
        K::NotADirectory => "路径中的某一级不是文件夹",
        K::DirectoryNotEmpty => "文件夹不是空的",
        K::InvalidInput => "参数无效（文件名或路径不合法）",
        K::InvalidFilename => "文件名或路径过长或不合法",
        K::InvalidData => "文件内容无效（不是预期的格式或编码）",
        K::UnexpectedEof => "文件意外结束（可能不完整或已损坏）",
        K::StorageFull => "磁盘空间不足",
        K::QuotaExceeded => "超出磁盘配额",
        K::ReadOnlyFilesystem => "文件系统是只读的",
        K::FileTooLarge => "文件过大，超出文件系统允许的大小",
        K::CrossesDevices => "不能跨磁盘（文件系统）移动文件",
        K::ResourceBusy | K::ExecutableFileBusy => "文件或设备正忙",
        K::TooManyLinks => "链接过多",
        K::StaleNetworkFileHandle => "网络文件句柄已失效，请重新打开文件夹",
        K::TimedOut => "操作超时",
        K::Interrupted => "操作被中断",
        K::WouldBlock => "资源暂时不可用，请稍后重试",
        K::OutOfMemory => "内存不足",
        K::Unsupported => "此系统不支持该操作",
        K::WriteZero | K::BrokenPipe => "无法写入（输出已关闭）",
        K::Deadlock => "文件被锁定",
        _ => "",
    };
    if !m.is_empty() {
        return m.to_string();
    }
    match e.raw_os_error() {
        Some(n) => format!("系统错误 {n}"),
        None => "读写时出错".to_string(),
    }
}

/// Create the folder `dir` and its parents, for outputs.
///
/// # Errors
/// [`Error::Input`] naming the first part of `dir` that exists but is no folder (the
/// system says only "File exists"); [`Error::Io`] otherwise.
pub fn create_dir_all(dir: &Path) -> Result<()> {
    match std::fs::create_dir_all(dir) {
        Ok(()) => Ok(()),
        Err(e) => {
            let blocker = dir
                .ancestors()
                .find(|a| std::fs::metadata(a).is_ok_and(|m| !m.is_dir()));
            match blocker {
                Some(b) => Err(Error::input(Diagnostic::new(
                    b,
                    "已存在同名的文件，不是文件夹，无法在其中写出；请换一个输出路径",
                ))),
                None => Err(Error::io(dir, e)),
            }
        }
    }
}

/// A byte count for messages: `12.3 MiB`, `2.0 GiB`, `512 字节`.
pub fn human_size(bytes: u64) -> String {
    const MIB: f64 = (1u64 << 20) as f64;
    if bytes >= 1 << 30 {
        format!("{:.1} GiB", bytes as f64 / (MIB * 1024.0))
    } else if bytes >= 1 << 20 {
        format!("{:.1} MiB", bytes as f64 / MIB)
    } else if bytes >= 1 << 10 {
        format!("{:.1} KiB", bytes as f64 / 1024.0)
    } else {
        format!("{bytes} 字节")
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    /// Every error a user can meet is told in Chinese, not in the system's English.
    #[test]
    fn io_errors_are_told_in_chinese() {
        use std::io::{Error as E, ErrorKind as K};
        let cases = [
            (E::from_raw_os_error(2), "不存在"),
            (E::from_raw_os_error(13), "没有权限"),
            (E::from_raw_os_error(21), "文件夹"),
            (E::from_raw_os_error(22), "参数无效"),
            (E::from_raw_os_error(40), "符号链接层数过多"),
            (E::from_raw_os_error(28), "磁盘空间不足"),
            (E::from_raw_os_error(36), "过长"),
            (E::from_raw_os_error(4095), "系统错误 4095"),
            (E::new(K::NotFound, "文件或目录不存在"), "文件或目录不存在"),
            (E::other("render limit"), "读写时出错"),
            (E::from(K::UnexpectedEof), "意外结束"),
        ];
        for (e, want) in cases {
            let got = io_reason(&e);
            assert!(got.contains(want), "{e}: {got}");
            assert!(
                !got.contains("error") && !got.contains("No such"),
                "{e}: {got}"
            );
        }
    }

    #[test]
    fn devices_and_folders_are_refused_before_opening() {
        for p in ["/dev/zero", "/dev/null", "/"] {
            let e = read_bounded(Path::new(p), 1, "X").unwrap_err().to_string();
            assert!(e.contains("不是普通文件"), "{p}: {e}");
        }
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn kernel_virtual_files_are_refused() {
        for p in ["/proc/self/status", "/proc/kmsg", "/sys/kernel/notes"] {
            if std::fs::metadata(p).is_err() {
                continue;
            }
            let e = read_bounded(Path::new(p), 1, "X").unwrap_err().to_string();
            assert!(e.contains("系统虚拟文件"), "{p}: {e}");
        }
        assert!(check_regular(Path::new("/proc/self/status")).is_err());
    }

    #[test]
    fn a_file_over_the_limit_is_refused_with_its_size() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("big.yaml");
        std::fs::write(&f, vec![b'a'; (1 << 20) + 1]).unwrap();
        let e = read_bounded(&f, 1, "DIAOYAN_MAX_FILE_MB")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("超过上限 1 MiB") && e.contains("DIAOYAN_MAX_FILE_MB"),
            "{e}"
        );
        assert_eq!(read_bounded(&f, 2, "X").unwrap().len(), (1 << 20) + 1);
    }

    #[test]
    fn a_symlink_out_of_the_root_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let link = dir.path().join("leak.md");
        std::os::unix::fs::symlink("/etc/hostname", &link).unwrap();
        let e = contained(dir.path(), &link).unwrap_err().to_string();
        assert!(e.contains("模板包文件夹之外"), "{e}");
        let inside = dir.path().join("a.md");
        std::fs::write(&inside, "x").unwrap();
        let link2 = dir.path().join("b.md");
        std::os::unix::fs::symlink("a.md", &link2).unwrap();
        assert!(contained(dir.path(), &link2).is_ok());
    }
}
