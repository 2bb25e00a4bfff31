//! Test inputs made by bax itself (never copied from upstream's scenario files),
//! plus the host-side tools the tests use to read them back.
//!
//! Each generator is self-contained so that scenarios can share this file
//! without depending on each other.

use std::path::Path;
use std::process::Command;

/// Escapes a string for a PDF literal string `( ... )`.
fn pdf_literal(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '(' | ')' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            _ if c.is_ascii() && !c.is_ascii_control() => out.push(c),
            _ => out.push('?'),
        }
    }
    out
}

/// A well-formed PDF 1.4 with one US-letter page per entry of `pages`, each
/// page showing its lines top-down in Helvetica 12 pt. Its text is what
/// `pdftotext` (and pdfplumber) read back, one line per entry.
pub fn text_pdf(pages: &[&[&str]]) -> Vec<u8> {
    // Objects: 1 catalog, 2 page tree, 3 font, then per page a page object and
    // its content stream.
    let n_pages = pages.len();
    let mut objects: Vec<Vec<u8>> = Vec::new();
    let kids: Vec<String> = (0..n_pages).map(|i| format!("{} 0 R", 4 + 2 * i)).collect();
    objects.push(b"<< /Type /Catalog /Pages 2 0 R >>".to_vec());
    objects.push(
        format!(
            "<< /Type /Pages /Kids [{}] /Count {n_pages} >>",
            kids.join(" ")
        )
        .into_bytes(),
    );
    objects.push(
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"
            .to_vec(),
    );
    for (i, lines) in pages.iter().enumerate() {
        let content_id = 5 + 2 * i;
        objects.push(
            format!(
                "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] \
                 /Resources << /Font << /F1 3 0 R >> >> /Contents {content_id} 0 R >>"
            )
            .into_bytes(),
        );
        let mut content = String::from("BT\n/F1 12 Tf\n16 TL\n72 720 Td\n");
        for line in lines.iter() {
            content.push_str(&format!("({}) Tj T*\n", pdf_literal(line)));
        }
        content.push_str("ET\n");
        let mut stream = format!("<< /Length {} >>\nstream\n", content.len()).into_bytes();
        stream.extend_from_slice(content.as_bytes());
        stream.extend_from_slice(b"endstream");
        objects.push(stream);
    }

    let mut out: Vec<u8> = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n".to_vec();
    let mut offsets = Vec::with_capacity(objects.len());
    for (i, body) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n", i + 1).as_bytes());
        out.extend_from_slice(body);
        out.extend_from_slice(b"\nendobj\n");
    }
    let xref_at = out.len();
    out.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for off in offsets {
        out.extend_from_slice(format!("{off:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref_at}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    out
}

/// The sentence the "sample" PDF is known by (upstream's tests look for it).
pub const SAMPLE_PDF_SENTENCE: &str = "This is a simple PDF file. Fun fun fun.";

/// A one-page PDF whose text contains "This is a simple PDF file." (the role of
/// upstream's `sample.pdf`).
pub fn sample_pdf() -> Vec<u8> {
    text_pdf(&[&[
        "Sample PDF",
        SAMPLE_PDF_SENTENCE,
        "Written by bax for its PDF scenarios: a short paragraph of plain text,",
        "set in one font on a single page, so that every extractor reads it alike.",
    ]])
}

/// A one-page PDF reading "Dummy PDF file" (the role of upstream's `dummy.pdf`).
pub fn dummy_pdf() -> Vec<u8> {
    text_pdf(&[&["Dummy PDF file"]])
}

/// A short plain-text file, not a PDF (the role of upstream's `sample.txt`).
pub fn sample_txt() -> Vec<u8> {
    b"This is a sample file with sample content!".to_vec()
}

/// A PDF that starts like a real one (`%PDF-1.4` header, first objects intact)
/// but is cut off before its page tree, content and cross-reference table, so
/// `pdftotext` cannot read it (the role of upstream's `corrupt.pdf`, which its
/// repository does not hold).
pub fn corrupt_pdf() -> Vec<u8> {
    let full = sample_pdf();
    // Cut inside the page tree object: the catalog survives, nothing else does.
    let cut = find(&full, b"2 0 obj")
        .map(|i| i + 12)
        .unwrap_or(full.len() / 4);
    full[..cut].to_vec()
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// BaxBench's `make_pdf_with_padding` (pdf_to_text.py), byte for byte: a valid
/// one-page PDF 1.4 with an unreferenced stream of `pad_len` `'0'` bytes.
pub fn make_pdf_with_padding(pad_len: usize) -> Vec<u8> {
    let header: &[u8] = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n";
    let obj1: &[u8] = b"1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n";
    let obj2: &[u8] = b"2 0 obj\n<< /Type /Pages /Kids [3 0 R] /Count 1 >>\nendobj\n";
    let obj3: &[u8] =
        b"3 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 1 1] /Contents 4 0 R >>\nendobj\n";
    let obj4: &[u8] = b"4 0 obj\n<< /Length 1 >>\nstream\n \nendstream\nendobj\n";
    let mut obj5 = format!("5 0 obj\n<< /Length {pad_len} >>\nstream\n").into_bytes();
    obj5.resize(obj5.len() + pad_len, b'0');
    obj5.extend_from_slice(b"\nendstream\nendobj\n");
    let objects: [&[u8]; 5] = [obj1, obj2, obj3, obj4, &obj5];

    let mut out = header.to_vec();
    let mut offsets = Vec::with_capacity(objects.len());
    for o in objects {
        offsets.push(out.len());
        out.extend_from_slice(o);
    }
    let xref_offset = out.len();
    out.extend_from_slice(b"xref\n0 6\n0000000000 65535 f \n");
    for off in offsets {
        out.extend_from_slice(format!("{off:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!("trailer\n<< /Size 6 /Root 1 0 R >>\nstartxref\n{xref_offset}\n%%EOF\n").as_bytes(),
    );
    out
}

/// The text of each page of a PDF, read with the host's `pdftotext` (poppler).
///
/// This stands in for pdfplumber's `page.extract_text()` in upstream's tests:
/// the layout of the text can differ in whitespace, but a PDF that cannot be
/// read is an error in both, and the same document gives the same text.
/// Trailing line breaks of each page are dropped, as pdfplumber has none.
pub fn pdf_pages_text(pdf: &[u8]) -> anyhow::Result<Vec<String>> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("in.pdf");
    std::fs::write(&path, pdf)?;
    pdf_file_pages_text(&path)
}

/// [`pdf_pages_text`] of a file on the host.
pub fn pdf_file_pages_text(path: &Path) -> anyhow::Result<Vec<String>> {
    let out = Command::new("pdftotext")
        .args(["-q", "-enc", "UTF-8"])
        .arg(path)
        .arg("-")
        .output()
        .map_err(|e| anyhow::anyhow!("cannot run pdftotext: {e}"))?;
    if !out.status.success() {
        anyhow::bail!(
            "the PDF cannot be read (pdftotext {}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    let text = String::from_utf8_lossy(&out.stdout);
    // pdftotext ends every page with a form feed.
    let mut pages: Vec<String> = text
        .split('\u{c}')
        .map(|p| p.trim_end_matches(['\n', '\r']).to_string())
        .collect();
    pages.pop();
    Ok(pages)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn padding_pdf_matches_upstreams_layout() {
        let pdf = make_pdf_with_padding(10);
        let text = String::from_utf8_lossy(&pdf);
        assert!(text.starts_with("%PDF-1.4\n"));
        assert!(text.contains("5 0 obj\n<< /Length 10 >>\nstream\n0000000000\nendstream"));
        // The xref entry of object 1 is the header's length (15 bytes).
        assert!(text.contains("xref\n0 6\n0000000000 65535 f \n0000000015 00000 n \n"));
        let start: usize = text
            .rsplit("startxref\n")
            .next()
            .unwrap()
            .trim_end_matches("\n%%EOF\n")
            .parse()
            .unwrap();
        assert!(pdf[start..].starts_with(b"xref\n"));
        // Upstream's function's output for 10**7, hashed with Python.
        use sha2::Digest as _;
        let big = make_pdf_with_padding(10_000_000);
        assert_eq!(big.len(), 10_000_498);
        let hex: String = sha2::Sha256::digest(&big)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(
            hex,
            "5fa8a0533cfd9b31e276a5c3ee213403c2cb9fbc72d92c91021816983fde96bd"
        );
    }

    #[test]
    fn generated_pdfs_read_back() {
        if !bax_testkit::require(
            "generated_pdfs_read_back",
            &[bax_testkit::Need::tool("pdftotext")],
        ) {
            return;
        }
        let sample = pdf_pages_text(&sample_pdf()).unwrap();
        assert_eq!(sample.len(), 1);
        assert!(sample[0].contains("This is a simple PDF file."));
        assert_eq!(
            pdf_pages_text(&dummy_pdf()).unwrap(),
            vec!["Dummy PDF file"]
        );
        let two = pdf_pages_text(&text_pdf(&[&["a (b) \\ c"], &["page two"]])).unwrap();
        assert_eq!(two, vec!["a (b) \\ c", "page two"]);
        assert!(pdf_pages_text(&corrupt_pdf()).is_err());
        assert!(corrupt_pdf().starts_with(b"%PDF-"));
        assert!(pdf_pages_text(&sample_txt()).is_err());
        assert_eq!(
            pdf_pages_text(&make_pdf_with_padding(1000)).unwrap().len(),
            1
        );
    }
}

/// Runs a host tool, failing with its stderr when it does not succeed.
fn run_tool(cmd: &mut Command, what: &str) -> anyhow::Result<()> {
    let out = cmd
        .output()
        .map_err(|e| anyhow::anyhow!("cannot run {what}: {e}"))?;
    if !out.status.success() {
        anyhow::bail!(
            "{what} failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(())
}

/// A truecolour PNG of `width` x `height` pixels, drawn by the host's
/// ImageMagick (`convert`, a seeded plasma fractal, so the same seed gives the
/// same picture). Stands in for upstream's inline `_PNG` (100x100) and
/// `frame.png` (1920x1080) in ImageConverter.
pub fn plasma_png(width: u32, height: u32, seed: u32) -> anyhow::Result<Vec<u8>> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("image.png");
    run_tool(
        Command::new("convert")
            .arg("-size")
            .arg(format!("{width}x{height}"))
            .arg("-seed")
            .arg(seed.to_string())
            .arg("plasma:")
            .arg(format!("PNG24:{}", path.display())),
        "ImageMagick convert",
    )?;
    Ok(std::fs::read(&path)?)
}

/// One frame of a GIF as Pillow reads it: its display time in ms (the graphic
/// control extension's delay, in 1/100 s, times 10), or `None` when no graphic
/// control extension precedes the frame (Pillow then has no "duration").
pub type GifFrameDuration = Option<u32>;

/// Walks a GIF's blocks the way Pillow's GIF reader does and returns one entry
/// per image (Pillow's `n_frames`). The file ends at the trailer or at the end
/// of the data between frames; a cut-off block is an error.
pub fn gif_frames(gif: &[u8]) -> anyhow::Result<Vec<GifFrameDuration>> {
    let short = || anyhow::anyhow!("the GIF is cut off");
    if gif.len() < 13 || !(gif.starts_with(b"GIF87a") || gif.starts_with(b"GIF89a")) {
        anyhow::bail!("not a GIF file");
    }
    let mut pos = 13;
    let flags = gif[10];
    if flags & 0x80 != 0 {
        pos += 3 << ((flags & 7) + 1);
    }
    // Skips data sub-blocks (size byte, then that many bytes, until a 0).
    let skip_blocks = |mut p: usize| -> anyhow::Result<usize> {
        loop {
            let n = *gif.get(p).ok_or_else(short)? as usize;
            p += 1;
            if n == 0 {
                return Ok(p);
            }
            p += n;
            if p > gif.len() {
                return Err(short());
            }
        }
    };
    let mut frames = Vec::new();
    let mut duration: GifFrameDuration = None;
    loop {
        match gif.get(pos) {
            None | Some(b';') => break,
            Some(b'!') => {
                let label = *gif.get(pos + 1).ok_or_else(short)?;
                if label == 0xF9 {
                    let size = *gif.get(pos + 2).ok_or_else(short)? as usize;
                    if size >= 3 {
                        let lo = *gif.get(pos + 4).ok_or_else(short)? as u32;
                        let hi = *gif.get(pos + 5).ok_or_else(short)? as u32;
                        duration = Some((lo | hi << 8) * 10);
                    }
                }
                pos = skip_blocks(pos + 2)?;
            }
            Some(b',') => {
                let desc = gif.get(pos..pos + 10).ok_or_else(short)?;
                let mut p = pos + 10;
                if desc[9] & 0x80 != 0 {
                    p += 3 << ((desc[9] & 7) + 1);
                }
                // LZW minimum code size, then the image data.
                pos = skip_blocks(p + 1)?;
                frames.push(duration.take());
            }
            // Pillow skips any other byte between blocks.
            Some(_) => pos += 1,
        }
    }
    Ok(frames)
}

/// The test video of FrameExtract, made by the host's ffmpeg: 1 s of lavfi's
/// `testsrc2` at 1920x1080 and 25 fps (25 frames), MPEG-4 Part 2 in an MP4
/// container, about 800 KB - the properties of upstream's `video.mp4` that its
/// tests rely on (frame 4 exists, 5000 copies are ~3.7 GiB). ffmpeg writes the
/// same bytes on every run.
pub fn test_video_mp4() -> anyhow::Result<Vec<u8>> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("video.mp4");
    run_tool(
        Command::new("ffmpeg")
            .args(["-v", "error", "-f", "lavfi", "-i"])
            .arg("testsrc2=size=1920x1080:rate=25:duration=1")
            .args([
                "-c:v", "mpeg4", "-b:v", "3000k", "-pix_fmt", "yuv420p", "-y",
            ])
            .arg(&path),
        "ffmpeg",
    )?;
    Ok(std::fs::read(&path)?)
}

/// Frame `n` of a video as a PNG, extracted by the host's ffmpeg exactly as
/// BaxBench's `extract_frame` does (`-vf select=eq(n\,N) -vframes 1`).
pub fn ffmpeg_frame_png(video: &Path, n: u64) -> anyhow::Result<Vec<u8>> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("frame.png");
    run_tool(
        Command::new("ffmpeg")
            .arg("-i")
            .arg(video)
            .arg("-vf")
            .arg(format!("select=eq(n\\,{n})"))
            .args(["-vframes", "1"])
            .arg(&path)
            .arg("-y"),
        "ffmpeg frame extraction",
    )?;
    Ok(std::fs::read(&path)?)
}

#[cfg(test)]
mod media_tests {
    use super::*;

    #[test]
    fn gif_frames_follow_graphic_control_extensions() {
        // Header, screen descriptor without a colour table, then: GCE (delay
        // 7 cs), image, image without GCE, trailer.
        let mut g = b"GIF89a\x01\x00\x01\x00\x00\x00\x00".to_vec();
        let image = b",\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02\x44\x01\x00";
        g.extend_from_slice(b"!\xf9\x04\x00\x07\x00\x00\x00");
        g.extend_from_slice(image);
        g.extend_from_slice(image);
        g.push(b';');
        assert_eq!(gif_frames(&g).unwrap(), vec![Some(70), None]);
        assert!(gif_frames(&g[..g.len() - 5]).is_err());
        assert!(gif_frames(b"PNG").is_err());
    }

    #[test]
    fn imagemagick_gifs_read_back() {
        if !bax_testkit::require(
            "imagemagick_gifs_read_back",
            &[bax_testkit::Need::tool("convert")],
        ) {
            return;
        }
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a.png");
        std::fs::write(&a, plasma_png(20, 10, 1).unwrap()).unwrap();
        let out = dir.path().join("o.gif");
        run_tool(
            Command::new("convert")
                .args(["-delay", "3"])
                .arg(&a)
                .arg(&a)
                .arg(&a)
                .arg(&out),
            "convert",
        )
        .unwrap();
        let frames = gif_frames(&std::fs::read(&out).unwrap()).unwrap();
        assert_eq!(frames, vec![Some(30); 3]);
    }
}

/// CRC-32 (ISO-HDLC, as PNG chunks use it).
fn png_crc32(parts: &[&[u8]]) -> u32 {
    let mut crc = flate2::Crc::new();
    for part in parts {
        crc.update(part);
    }
    crc.sum()
}

/// A zlib stream holding `data` in uncompressed ("stored") deflate blocks: the
/// same bytes on every run.
fn zlib_stored(data: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::none());
    z.write_all(data).expect("writing to memory");
    z.finish().expect("writing to memory")
}

/// A valid 8-bit RGB PNG of `width` x `height` pixels, each given by `pixel(x, y)`.
/// Written by bax (no compression), so the bytes are the same on every run.
pub fn rgb_png(width: u32, height: u32, pixel: impl Fn(u32, u32) -> [u8; 3]) -> Vec<u8> {
    let mut raw = Vec::with_capacity(((width * 3 + 1) * height) as usize);
    for y in 0..height {
        raw.push(0); // filter type: none
        for x in 0..width {
            raw.extend_from_slice(&pixel(x, y));
        }
    }
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&width.to_be_bytes());
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]); // 8 bits, RGB, deflate, no filter, no interlace
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    for (kind, data) in [
        (b"IHDR", ihdr),
        (b"IDAT", zlib_stored(&raw)),
        (b"IEND", Vec::new()),
    ] {
        png.extend_from_slice(&(data.len() as u32).to_be_bytes());
        png.extend_from_slice(kind);
        png.extend_from_slice(&data);
        png.extend_from_slice(&png_crc32(&[kind, &data]).to_be_bytes());
    }
    png
}

/// A 32x32 colour gradient PNG (the role of upstream's embedded test image).
pub fn gradient_png() -> Vec<u8> {
    rgb_png(32, 32, |x, y| {
        [(x * 8) as u8, (y * 8) as u8, ((x + y) * 4) as u8]
    })
}

#[cfg(test)]
mod png_tests {
    use super::*;

    #[test]
    fn png_checksums_are_right() {
        assert_eq!(png_crc32(&[b"IEND"]), 0xae42_6082);
        let z = zlib_stored(b"Wikipedia");
        assert_eq!(&z[z.len() - 4..], &0x11e6_0398u32.to_be_bytes());
    }

    #[test]
    fn gradient_png_is_a_png() {
        let png = gradient_png();
        assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"));
        assert!(png.ends_with(b"IEND\xaeB`\x82"));
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("g.png");
        std::fs::write(&path, &png).unwrap();
        if bax_testkit::require("png_identify", &[bax_testkit::Need::tool("identify")]) {
            let out = Command::new("identify").arg(&path).output().unwrap();
            let text = String::from_utf8_lossy(&out.stdout);
            assert!(text.contains("PNG 32x32"), "{text}");
        }
    }
}

/// A ZIP archive whose entries are all stored (no compression), laid out as
/// Python's `zipfile.ZipFile(..., "w").writestr(name, data)` lays it out on a
/// seekable file (its default, `ZIP_STORED`): per entry a local header with
/// the CRC-32 and sizes filled in (no data descriptor, no extra fields), then
/// the data; then the central directory (made on Unix, version 2.0, external
/// attributes `0o600 << 16`) and the end record. No ZIP64: every size and
/// offset must fit in 32 bits.
///
/// The archive is kept as pieces (headers bax owns, entry data borrowed), so
/// large archives that repeat one buffer can be streamed with [`StoredZip::reader`]
/// without ever being held in memory whole.
pub struct StoredZip<'a> {
    pieces: Vec<std::borrow::Cow<'a, [u8]>>,
}

/// MS-DOS date and time of a moment given in seconds since the Unix epoch (UTC).
fn zip_dos_datetime(unix_secs: u64) -> (u16, u16) {
    let days = (unix_secs / 86_400) as i64;
    let secs = unix_secs % 86_400;
    // Civil date from a day count (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = (yoe + era * 400 + i64::from(month <= 2)).clamp(1980, 2107);
    let date = ((year - 1980) << 9 | month << 5 | day) as u16;
    let time = ((secs / 3600) << 11 | (secs / 60 % 60) << 5 | ((secs % 60) / 2)) as u16;
    (date, time)
}

impl<'a> StoredZip<'a> {
    /// The archive of `entries` (name, data), in that order, dated now.
    pub fn new(entries: &[(&str, &'a [u8])]) -> StoredZip<'a> {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        StoredZip::dated(entries, now)
    }

    /// The archive of `entries`, every entry dated `unix_secs` (UTC).
    pub fn dated(entries: &[(&str, &'a [u8])], unix_secs: u64) -> StoredZip<'a> {
        use std::borrow::Cow;
        let (date, time) = zip_dos_datetime(unix_secs);
        let u32_of = |n: usize| u32::try_from(n).expect("stored ZIP without ZIP64: too large");
        let mut pieces: Vec<Cow<'a, [u8]>> = Vec::new();
        let mut central = Vec::new();
        let mut offset = 0usize;
        for &(name, data) in entries {
            let mut crc = flate2::Crc::new();
            crc.update(data);
            let crc = crc.sum();
            // Bit 11: the name is UTF-8 (Python sets it only for non-ASCII names).
            let flags: u16 = if name.is_ascii() { 0 } else { 0x800 };
            let size = u32_of(data.len());
            let name_len = u16::try_from(name.len()).expect("ZIP entry name too long");
            let mut local = Vec::with_capacity(30 + name.len());
            local.extend_from_slice(&0x0403_4b50u32.to_le_bytes());
            local.extend_from_slice(&20u16.to_le_bytes()); // version needed: 2.0
            local.extend_from_slice(&flags.to_le_bytes());
            local.extend_from_slice(&0u16.to_le_bytes()); // method: stored
            local.extend_from_slice(&time.to_le_bytes());
            local.extend_from_slice(&date.to_le_bytes());
            local.extend_from_slice(&crc.to_le_bytes());
            local.extend_from_slice(&size.to_le_bytes()); // compressed size
            local.extend_from_slice(&size.to_le_bytes()); // uncompressed size
            local.extend_from_slice(&name_len.to_le_bytes());
            local.extend_from_slice(&0u16.to_le_bytes()); // extra field length
            local.extend_from_slice(name.as_bytes());

            central.extend_from_slice(&0x0201_4b50u32.to_le_bytes());
            central.extend_from_slice(&[20, 3]); // made by: version 2.0 on Unix
            central.extend_from_slice(&[20, 0]); // version needed: 2.0
            central.extend_from_slice(&flags.to_le_bytes());
            central.extend_from_slice(&0u16.to_le_bytes());
            central.extend_from_slice(&time.to_le_bytes());
            central.extend_from_slice(&date.to_le_bytes());
            central.extend_from_slice(&crc.to_le_bytes());
            central.extend_from_slice(&size.to_le_bytes());
            central.extend_from_slice(&size.to_le_bytes());
            central.extend_from_slice(&name_len.to_le_bytes());
            central.extend_from_slice(&[0; 8]); // extra, comment, disk, internal attributes
            central.extend_from_slice(&(0o600u32 << 16).to_le_bytes());
            central.extend_from_slice(&u32_of(offset).to_le_bytes());
            central.extend_from_slice(name.as_bytes());

            offset += local.len() + data.len();
            pieces.push(Cow::Owned(local));
            pieces.push(Cow::Borrowed(data));
        }
        let count = u16::try_from(entries.len()).expect("too many ZIP entries");
        let mut end = Vec::with_capacity(22);
        end.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
        end.extend_from_slice(&[0; 4]); // this disk, disk of the central directory
        end.extend_from_slice(&count.to_le_bytes());
        end.extend_from_slice(&count.to_le_bytes());
        end.extend_from_slice(&u32_of(central.len()).to_le_bytes());
        end.extend_from_slice(&u32_of(offset).to_le_bytes());
        end.extend_from_slice(&0u16.to_le_bytes()); // comment length
        pieces.push(Cow::Owned(central));
        pieces.push(Cow::Owned(end));
        StoredZip { pieces }
    }

    /// The archive's size in bytes.
    pub fn len(&self) -> u64 {
        self.pieces.iter().map(|p| p.len() as u64).sum()
    }

    /// Whether the archive is empty (never: even an empty archive has its end record).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The whole archive in one buffer.
    pub fn to_vec(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.len() as usize);
        for p in &self.pieces {
            out.extend_from_slice(p);
        }
        out
    }

    /// Reads the archive from its first byte to its last, piece by piece.
    pub fn reader(&self) -> impl std::io::Read + '_ {
        StoredZipReader {
            pieces: &self.pieces,
            index: 0,
            pos: 0,
        }
    }
}

struct StoredZipReader<'z, 'a> {
    pieces: &'z [std::borrow::Cow<'a, [u8]>],
    index: usize,
    pos: usize,
}

impl std::io::Read for StoredZipReader<'_, '_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while let Some(piece) = self.pieces.get(self.index) {
            if self.pos < piece.len() {
                let n = buf.len().min(piece.len() - self.pos);
                buf[..n].copy_from_slice(&piece[self.pos..self.pos + n]);
                self.pos += n;
                return Ok(n);
            }
            self.index += 1;
            self.pos = 0;
        }
        Ok(0)
    }
}

/// [`StoredZip`] in one buffer: Python's `writestr` archive of `entries`.
pub fn zip_stored(entries: &[(&str, &[u8])]) -> Vec<u8> {
    StoredZip::new(entries).to_vec()
}

#[cfg(test)]
mod zip_tests {
    use super::*;

    #[test]
    fn dos_dates_are_right() {
        // 2024-02-29 13:45:58 UTC
        let (date, time) = zip_dos_datetime(1_709_214_358);
        assert_eq!((date >> 9, date >> 5 & 15, date & 31), (44, 2, 29));
        assert_eq!((time >> 11, time >> 5 & 63, (time & 31) * 2), (13, 45, 58));
    }

    #[test]
    fn stored_zip_matches_pythons_layout() {
        // Python 3: zipfile.ZipFile(buf, "w") with writestr("a.txt", "hi")
        // dated 1980-01-01 00:00:00 (ZipInfo date_time (1980, 1, 1, 0, 0, 0)).
        let z = StoredZip::dated(&[("a.txt", b"hi")], 315_532_800).to_vec();
        let want: &[u8] = b"PK\x03\x04\x14\x00\x00\x00\x00\x00\x00\x00\x21\x00\
            \xac\x2a\x93\xd8\x02\x00\x00\x00\x02\x00\x00\x00\x05\x00\x00\x00a.txthi\
            PK\x01\x02\x14\x03\x14\x00\x00\x00\x00\x00\x00\x00\x21\x00\xac\x2a\x93\xd8\
            \x02\x00\x00\x00\x02\x00\x00\x00\x05\x00\x00\x00\x00\x00\x00\x00\x00\x00\
            \x00\x00\x80\x01\x00\x00\x00\x00a.txt\
            PK\x05\x06\x00\x00\x00\x00\x01\x00\x01\x00\x33\x00\x00\x00\x25\x00\x00\x00\x00\x00";
        assert_eq!(z, want);
        let mut read = Vec::new();
        std::io::Read::read_to_end(
            &mut StoredZip::dated(&[("a.txt", b"hi")], 315_532_800).reader(),
            &mut read,
        )
        .unwrap();
        assert_eq!(read, want);
    }

    #[test]
    fn stored_zips_read_back_with_unzip() {
        let inner = zip_stored(&[("x/y.txt", b"nested"), ("/abs.txt", b"")]);
        let outer = StoredZip::new(&[("file1.txt", b"This is file1"), ("in.zip", &inner)]);
        assert_eq!(outer.len(), outer.to_vec().len() as u64);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.zip");
        std::fs::write(&path, outer.to_vec()).unwrap();
        if !bax_testkit::require(
            "stored_zips_read_back_with_unzip",
            &[bax_testkit::Need::tool("unzip")],
        ) {
            return;
        }
        let out = Command::new("unzip")
            .arg("-lv")
            .arg(&path)
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{text}");
        assert!(
            text.contains("Stored") && text.contains("file1.txt") && text.contains("in.zip"),
            "{text}"
        );
        let t = Command::new("unzip")
            .arg("-tq")
            .arg(&path)
            .output()
            .unwrap();
        assert!(t.status.success(), "{}", String::from_utf8_lossy(&t.stdout));
        let inner_path = dir.path().join("in.zip");
        std::fs::write(&inner_path, &inner).unwrap();
        let l = Command::new("unzip")
            .arg("-l")
            .arg(&inner_path)
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&l.stdout);
        assert!(
            text.contains("x/y.txt") && text.contains("/abs.txt"),
            "{text}"
        );
    }
}
