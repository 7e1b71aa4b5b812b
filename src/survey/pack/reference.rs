//! The pack's reference DOCX: which file, read within the pack's budget and checked
//! ([`crate::refdoc::ReferenceDoc::from_docx`]).

use std::path::Path;
use std::sync::Arc;

use super::{PackBudget, Schema};
use crate::error::{Diagnostic, Error, Result};
use crate::refdoc::ReferenceDoc;

/// The file name a pack's reference DOCX has when `style.reference_docx` does not say.
pub const DEFAULT_NAME: &str = "reference.docx";

/// The reference DOCX of the pack in `dir`: `style.reference_docx` (a file inside the
/// pack; empty: none), else `reference.docx` if the folder has an entry of that name.
///
/// # Errors
/// [`Error::Input`] naming the file: a named file that does not exist, a name that is a
/// path out of the pack, a file outside the pack or not a regular file, over the pack's
/// budget, or not a usable DOCX (not a zip, a zip bomb, broken XML … see
/// [`ReferenceDoc::from_docx`]).
pub(super) fn load(
    dir: &Path,
    schema: &Schema,
    budget: &mut PackBudget,
) -> Result<Option<Arc<ReferenceDoc>>> {
    let style = &schema.style;
    let path = match style.reference_docx.as_deref() {
        Some("") => return Ok(None),
        Some(name) => {
            let path = dir.join(name);
            if std::fs::symlink_metadata(&path).is_err() {
                return Err(Error::input(Diagnostic::new(
                    dir.join("template.yaml"),
                    format!(
                        "style.reference_docx 指定的参考文档 {} 不存在（应放在模板包文件夹内）",
                        path.display()
                    ),
                )));
            }
            path
        }
        None => {
            let path = dir.join(DEFAULT_NAME);
            if std::fs::symlink_metadata(&path).is_err() {
                return Ok(None);
            }
            path
        }
    };
    let bytes = budget.read_bytes(dir, &path)?;
    let doc = ReferenceDoc::from_docx(&bytes, style.reference_page_setup).map_err(|why| {
        Error::input(Diagnostic::new(
            &path,
            format!(
                "参考文档（reference.docx）{why}；请换用 Word 或 WPS 保存的 .docx 文件，或删去它"
            ),
        ))
    })?;
    Ok(Some(Arc::new(doc)))
}
