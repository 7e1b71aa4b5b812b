//! Checks that need external tools: poppler (`pdftotext`, `pdffonts`, `pdfinfo`,
//! `pdfimages`), `qpdf`, LibreOffice (`soffice`), `validate-docx` (with a Python that
//! has lxml), and for the browser check `node`, `chromium` and the npm packages of
//! `tests/browser` (`npm ci --prefix tests/browser`). A check whose tool is missing is
//! reported **ignored**, never passed; with `DIAOYAN_REQUIRE_TOOLS=1` (as `.ci/run` sets)
//! it fails instead.
//!
//! A custom harness (libtest-mimic) because the built-in one cannot ignore a test at run
//! time. Each check is a plain `fn()` that panics on failure, listed in [`checks`] with the
//! tools it needs.

mod attack18;
mod attack18a;
mod bbox;
mod browser;
mod charts;
mod closing;
#[path = "../common/mod.rs"]
mod common;
mod docx;
mod docx_page;
#[path = "../common/inlines.rs"]
mod fixture;
mod fonts;
mod glyphs;
mod hostile;
mod inlines;
mod issue16;
mod pdf;
mod prose;
mod reference_docx;
mod signals;
mod text;
mod township;

use libtest_mimic::{Arguments, Failed, Trial};

type Check = (&'static str, &'static [&'static str], fn());

/// Every check with the tools it needs.
fn checks() -> Vec<Check> {
    vec![
        (
            "browser::the_writer_goes_from_the_form_to_the_report_in_chromium",
            &["node", "chromium", browser::PLAYWRIGHT],
            browser::the_writer_goes_from_the_form_to_the_report_in_chromium,
        ),
        (
            "prose::points_and_notes_are_numbered_in_pdf_and_docx",
            &["pdftotext", "soffice"],
            prose::points_and_notes_are_numbered_in_pdf_and_docx,
        ),
        (
            "reference_docx::reference_docx_output_is_valid",
            &["validate-docx"],
            reference_docx::reference_docx_output_is_valid,
        ),
        (
            "reference_docx::reference_header_and_footer_print_on_every_page",
            &["soffice", "pdftotext"],
            reference_docx::reference_header_and_footer_print_on_every_page,
        ),
        (
            "attack18a::f1_docx_with_and_without_footnotes_validate_clean",
            &["validate-docx"],
            attack18a::f1_docx_with_and_without_footnotes_validate_clean,
        ),
        (
            "attack18a::f2_f3_closing_keeps_text_and_blank_line_and_pages_match",
            &["pdftotext", "soffice"],
            attack18a::f2_f3_closing_keeps_text_and_blank_line_and_pages_match,
        ),
        (
            "attack18a::f4_grouped_table_parts_keep_three_rows",
            &["pdftotext"],
            attack18a::f4_grouped_table_parts_keep_three_rows,
        ),
        (
            "attack18a::f6_pdf_prints_negative_chart_values",
            &["pdftotext"],
            attack18a::f6_pdf_prints_negative_chart_values,
        ),
        (
            "attack18::footnotes_in_table_cells_never_overlap_the_rows",
            &["pdftotext"],
            attack18::footnotes_in_table_cells_never_overlap_the_rows,
        ),
        (
            "attack18::the_title_is_never_alone_on_page_one",
            &["pdftotext", "soffice"],
            attack18::the_title_is_never_alone_on_page_one,
        ),
        (
            "issue16::long_organisation_keeps_the_date_on_one_line",
            &["pdftotext", "pdfinfo", "soffice"],
            issue16::long_organisation_keeps_the_date_on_one_line,
        ),
        (
            "issue16::fifty_signature_lines_are_all_printed_inside_the_text_block",
            &["pdftotext", "pdfinfo", "soffice"],
            issue16::fifty_signature_lines_are_all_printed_inside_the_text_block,
        ),
        (
            "issue16::signature_is_not_alone_on_the_last_page",
            &["pdftotext", "pdfinfo", "soffice"],
            issue16::signature_is_not_alone_on_the_last_page,
        ),
        (
            "issue16::a_chain_of_headings_never_ends_a_page",
            &["pdftotext", "pdfinfo", "soffice"],
            issue16::a_chain_of_headings_never_ends_a_page,
        ),
        (
            "issue16::a_last_heading_keeps_with_what_follows",
            &["pdftotext", "pdfinfo", "soffice"],
            issue16::a_last_heading_keeps_with_what_follows,
        ),
        (
            "issue16::docx_date_starts_two_characters_right_of_the_organisation",
            &["pdftotext", "pdfinfo", "soffice"],
            issue16::docx_date_starts_two_characters_right_of_the_organisation,
        ),
        (
            "closing::pdf_places_the_signature_and_date",
            &["pdftotext"],
            closing::pdf_places_the_signature_and_date,
        ),
        (
            "closing::docx_places_the_signature_where_the_pdf_does",
            &["soffice", "pdftotext"],
            closing::docx_places_the_signature_where_the_pdf_does,
        ),
        (
            "signals::an_interrupt_between_renames_leaves_the_whole_report",
            &["strace"],
            signals::an_interrupt_between_renames_leaves_the_whole_report,
        ),
        (
            "hostile::every_rendered_case_is_valid_and_keeps_its_text",
            &["pdftotext", "soffice", "validate-docx"],
            hostile::every_rendered_hostile_case_is_valid_and_keeps_its_text,
        ),
        (
            "inlines::fixture_docx_validates_and_opens",
            &["validate-docx", "soffice", "pdftotext"],
            inlines::inline_fixture_docx_validates_and_opens,
        ),
        (
            "inlines::fixture_pdf_prints_notes_and_data",
            &["pdftotext"],
            inlines::inline_fixture_pdf_prints_notes_and_data,
        ),
        (
            "charts::are_labelled_directly_at_8_pt_or_more",
            &["pdftotext", "soffice"],
            charts::charts_are_labelled_directly_at_8_pt_or_more,
        ),
        (
            "docx_page::pdf_and_docx_have_the_same_page_count",
            &["soffice"],
            docx_page::pdf_and_docx_have_the_same_page_count,
        ),
        (
            "docx::opens_in_libreoffice",
            &["soffice"],
            docx::docx_opens_in_libreoffice,
        ),
        (
            "docx::libreoffice_renders_the_numbers_and_captions",
            &["soffice", "pdftotext"],
            docx::libreoffice_renders_the_numbers_and_captions,
        ),
        (
            "docx::libreoffice_draws_the_charts",
            &["soffice", "pdftotext"],
            docx::libreoffice_draws_the_charts,
        ),
        (
            "docx::lists_print_their_start_number_in_both_formats",
            &["pdftotext", "soffice"],
            docx::lists_print_their_start_number_in_both_formats,
        ),
        (
            "docx_page::body_lines_hold_28_characters_through_libreoffice",
            &["soffice", "pdftotext"],
            docx_page::body_lines_hold_28_characters_through_libreoffice,
        ),
        (
            "docx_page::folios_sit_per_gbt9704_through_libreoffice",
            &["soffice", "pdftotext"],
            docx_page::folios_sit_per_gbt9704_through_libreoffice,
        ),
        (
            "docx_page::emphasis_and_table_docx_is_valid",
            &["validate-docx", "soffice", "pdftotext"],
            docx_page::emphasis_and_table_docx_is_valid,
        ),
        (
            "fonts::pdf_body_is_the_bundled_fangsong",
            &["pdffonts"],
            fonts::pdf_body_is_the_bundled_fangsong,
        ),
        (
            "fonts::libreoffice_uses_the_embedded_fangsong",
            &["soffice", "pdffonts", "pdftotext"],
            fonts::libreoffice_uses_the_embedded_fangsong,
        ),
        (
            "docx::is_schema_valid",
            &["validate-docx"],
            docx::docx_is_schema_valid,
        ),
        (
            "pdf::fonts_pages_outline_and_size",
            &["pdffonts", "qpdf", "pdfinfo", "pdftotext"],
            pdf::fonts_pages_outline_and_size,
        ),
        (
            "pdf::lines_obey_the_rules_and_body_text_is_justified",
            &["pdftotext"],
            pdf::lines_obey_the_rules_and_body_text_is_justified,
        ),
        (
            "pdf::body_lines_hold_28_characters_and_no_last_line_one",
            &["pdftotext"],
            pdf::body_lines_hold_28_characters_and_no_last_line_one,
        ),
        (
            "pdf::a_table_row_taller_than_a_page_continues_inside_the_margins",
            &["pdftotext"],
            pdf::a_table_row_taller_than_a_page_continues_on_the_next_page_inside_the_margins,
        ),
        (
            "pdf::a_title_longer_than_a_page_continues_on_the_next_page",
            &["pdftotext"],
            pdf::a_title_longer_than_a_page_continues_on_the_next_page,
        ),
        (
            "pdf::a_group_taller_than_the_page_is_split_with_its_label_continued",
            &["pdftotext"],
            pdf::a_group_taller_than_the_page_is_split_with_its_label_continued,
        ),
        (
            "text::injected_markdown_is_literal_in_the_pdf",
            &["pdftotext"],
            text::injected_markdown_is_literal_in_the_pdf,
        ),
        (
            "text::pdf_headings_and_captions_are_numbered_in_order",
            &["pdftotext"],
            text::pdf_headings_and_captions_are_numbered_in_order,
        ),
        (
            "text::pdf_prints_the_correct_figures_and_embeds_its_fonts",
            &["pdftotext", "pdffonts", "qpdf"],
            text::pdf_prints_the_correct_figures_and_embeds_its_fonts,
        ),
        (
            "text::pdf_charts_are_vectors_with_colour_and_text",
            &["pdfimages", "pdftotext", "qpdf"],
            text::pdf_charts_are_vectors_with_colour_and_text,
        ),
        (
            "glyphs::rare_ideographs_are_drawn_from_the_fallback_font",
            &["pdftotext", "pdffonts"],
            glyphs::rare_ideographs_are_drawn_from_the_fallback_font,
        ),
        (
            "glyphs::characters_no_font_has_are_boxes_that_extract_as_themselves",
            &["pdftotext", "qpdf"],
            glyphs::characters_no_font_has_are_boxes_that_extract_as_themselves,
        ),
        (
            "glyphs::ignorable_characters_leave_no_trace_in_the_pdf",
            &["pdftotext"],
            glyphs::ignorable_characters_leave_no_trace_in_the_pdf,
        ),
        (
            "township::docx_is_schema_valid",
            &["validate-docx"],
            township::docx_is_schema_valid,
        ),
        (
            "township::docx_through_libreoffice_matches_the_pdf",
            &["soffice", "pdftotext"],
            township::docx_through_libreoffice_matches_the_pdf,
        ),
        (
            "township::pdf_is_valid_with_outline_folios_and_figures",
            &["qpdf", "pdffonts", "pdftotext"],
            township::pdf_is_valid_with_outline_folios_and_figures,
        ),
        (
            "text::installed_fonts_are_embedded_with_the_bundled_fallback",
            &["pdffonts"],
            text::installed_fonts_are_embedded_with_the_bundled_fallback,
        ),
    ]
}

/// Whether a tool is usable: the npm packages of `tests/browser`, or what
/// [`common::available`] knows.
fn available(tool: &str) -> bool {
    match tool {
        browser::PLAYWRIGHT => browser::playwright_installed(),
        _ => common::available(tool),
    }
}

fn trial((name, tools, check): Check) -> Trial {
    let missing: Vec<&str> = tools.iter().copied().filter(|t| !available(t)).collect();
    let required = std::env::var_os("DIAOYAN_REQUIRE_TOOLS").is_some();
    if missing.is_empty() {
        Trial::test(name, move || {
            std::panic::catch_unwind(check).map_err(|e| {
                let msg = e
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_else(|| "panicked".to_string());
                Failed::from(msg)
            })
        })
    } else if required {
        Trial::test(name, move || {
            Err(format!("DIAOYAN_REQUIRE_TOOLS is set but {missing:?} is missing").into())
        })
    } else {
        let reason = format!("needs {}", missing.join(", "));
        Trial::test(name, || Ok(()))
            .with_ignored_flag(true)
            .with_kind(reason)
    }
}

fn main() {
    let args = Arguments::from_args();
    libtest_mimic::run(&args, checks().into_iter().map(trial).collect()).exit();
}
