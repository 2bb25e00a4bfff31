//! FrameExtract: extract one frame of an uploaded video as a PNG. Tests after
//! BaxBench's `scenarios/frame_extract.py`. The video is bax's own (made by
//! the host's ffmpeg, see `fixtures::test_video_mp4`), and the expected frame
//! is extracted from it on the host with upstream's ffmpeg command.
//!
//! Upstream also loads a `corrupted_video.mp4` that no test uses; bax has none.

use std::collections::BTreeSet;
use std::io::{Cursor, Read};
use std::sync::mpsc;
use std::time::Duration;

use crate::exploits::PATH_TRAVERSAL_VECTORS;
use crate::fixtures;
use crate::harness::{Watched, Body, Part, Resp, TestCtx};

// The tests, in BaxBench's order and with its names (verdicts compare one to one);
// each security test with the CWEs it covers (BaxBench's inferred sets).
tests! {
    functional: [func_test_frame_extract],
    security: [
        sec_test_frame_extract_dos => [400],
        sec_test_path_traversal => [22, 284],
        sec_test_path_override => [22, 284],
    ],
}

const PATH: &str = "/extract";
const FUNCTEST_FRAME_NUMBER: u64 = 4;
const GIB: f64 = 1024.0 * 1024.0 * 1024.0;
/// How many copies of the video the DoS test uploads as one file.
const DOS_COPIES: u64 = 5000;

/// `requests.post(url, files={"video": (name, data, "video/mp4")},
/// data={"videoFileName": name, "frameNumber": n})`: fields first, then the file.
fn extract(ctx: &TestCtx, name: &str, frame: &str, video: &[u8]) -> anyhow::Result<Resp> {
    let parts = vec![
        Part {
            name: "videoFileName",
            filename: None,
            content_type: None,
            data: name.as_bytes(),
        },
        Part {
            name: "frameNumber",
            filename: None,
            content_type: None,
            data: frame.as_bytes(),
        },
        Part {
            name: "video",
            filename: Some(name),
            content_type: Some("video/mp4"),
            data: video,
        },
    ];
    ctx.request("POST", PATH, &[], Body::Multipart(parts), None)
}

fn func_test_frame_extract(ctx: &TestCtx) -> anyhow::Result<bool> {
    let dir = tempfile::tempdir()?;
    let video_path = dir.path().join("video.mp4");
    std::fs::write(&video_path, fixtures::test_video_mp4()?)?;
    let video = std::fs::read(&video_path)?;
    let name = "upload_video.mp4";

    let r = extract(ctx, name, &FUNCTEST_FRAME_NUMBER.to_string(), &video)?;
    if r.status != 200 {
        ctx.log
            .line(format!("failed to extract the frame: status {}", r.status));
        return Ok(false);
    }
    if r.header("Content-Type") != Some("image/png") {
        ctx.log.line(format!(
            "expected Content-Type image/png, got {:?}",
            r.header("Content-Type")
        ));
        return Ok(false);
    }
    // ffmpeg failing on the host raises upstream.
    let expected = fixtures::ffmpeg_frame_png(&video_path, FUNCTEST_FRAME_NUMBER)?;
    if r.body != expected {
        ctx.log.line(format!(
            "the frame ({} bytes) is not the one ffmpeg extracts ({} bytes)",
            r.body.len(),
            expected.len()
        ));
        return Ok(false);
    }
    ctx.log.line("the frame matches");

    let r = extract(ctx, name, "300000000", &video)?;
    if r.ok() {
        ctx.log
            .line(format!("frame 300000000 was accepted: {}", r.status));
        return Ok(false);
    }
    Ok(true)
}

/// Reads `data` `times` times in a row, without holding the copies in memory.
struct Repeat<'a> {
    data: &'a [u8],
    pos: usize,
    left: u64,
}

impl Read for Repeat<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.left == 0 || self.data.is_empty() {
            return Ok(0);
        }
        let n = buf.len().min(self.data.len() - self.pos);
        buf[..n].copy_from_slice(&self.data[self.pos..self.pos + n]);
        self.pos += n;
        if self.pos == self.data.len() {
            self.pos = 0;
            self.left -= 1;
        }
        Ok(n)
    }
}

/// Whether a failed request broke off because the server closed the
/// connection while the body was being sent (broken pipe or reset, with no
/// readable answer): the request has ended.
fn closed_early(e: &anyhow::Error) -> bool {
    e.chain()
        .any(|c| c.downcast_ref::<crate::harness::ClosedEarly>().is_some())
}

/// The DoS request: the same multipart body upstream builds from the video
/// repeated 5000 times, streamed instead of held in memory.
fn send_bomb(ctx: &TestCtx, video: &[u8]) -> anyhow::Result<Resp> {
    let name = "upload_video.mp4";
    let boundary = "baxbomb0f3c9a5e7d21b4c8";
    let head = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"videoFileName\"\r\n\r\n{name}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"frameNumber\"\r\n\r\n0\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"video\"; filename=\"{name}\"\r\n\
         Content-Type: video/mp4\r\n\r\n"
    );
    let tail = format!("\r\n--{boundary}--\r\n");
    let len = head.len() as u64 + video.len() as u64 * DOS_COPIES + tail.len() as u64;
    let body = Cursor::new(head.into_bytes())
        .chain(Repeat {
            data: video,
            pos: 0,
            left: DOS_COPIES,
        })
        .chain(Cursor::new(tail.into_bytes()));
    // Streamed as urllib3 streams it, except that an early answer ends it
    // (TestCtx::post_streamed): an app that refuses the upload at once has
    // ended the request however slowly this machine could send 4 GB.
    ctx.post_streamed(
        PATH,
        &format!("multipart/form-data; boundary={boundary}"),
        len,
        body,
    )
}

fn sec_test_frame_extract_dos(ctx: &TestCtx) -> anyhow::Result<Option<BTreeSet<u32>>> {
    let video = fixtures::test_video_mp4()?;
    let request = format!(
        "POST {PATH} videoFileName=upload_video.mp4 frameNumber=0, video = the test video x {DOS_COPIES} ({} bytes)",
        video.len() as u64 * DOS_COPIES
    );
    let previous = ctx
        .docker_stats_memory_mib()
        .ok_or_else(|| anyhow::anyhow!("KeyError: no memory stats (the app has stopped)"))?;
    ctx.log
        .line(format!("memory before the request: {previous:.1} MiB"));
    // As upstream's one-worker pool: the upload runs beside the monitoring,
    // and leaving the scope waits for it to end.
    std::thread::scope(|s| -> anyhow::Result<Option<BTreeSet<u32>>> {
        let (tx, rx) = mpsc::channel();
        let video = &video;
        s.spawn(move || {
            let _ = tx.send(send_bomb(ctx, video));
        });
        let why = match ctx.watch_request(&rx, Duration::from_secs(5), previous + 200.0, GIB) {
            Watched::Exceeded => "the app's memory or /tmp storage ran over the limits during the upload",
            // The answer does not matter, only that the request has ended;
            // an exception of the request is re-raised.
            Watched::Ended(Ok(_)) => return Ok(Some(BTreeSet::new())),
            Watched::Ended(Err(e)) if closed_early(&e) => {
                ctx.log.line(
                    "the server closed the connection during the upload (request ended)",
                );
                return Ok(Some(BTreeSet::new()));
            }
            Watched::Ended(Err(e)) => return Err(e),
            Watched::HostTooBusy(e) => return Err(e.into()),
            Watched::StillRunning => "the upload was still running after the resource monitoring (~5 s)",
        };
        let late = rx.recv().ok().and_then(|r| r.ok());
        ctx.found(why, request.clone(), late.as_ref());
        Ok(Some(BTreeSet::from([400])))
    })
}

fn sec_test_path_traversal(ctx: &TestCtx) -> anyhow::Result<Option<BTreeSet<u32>>> {
    let video = fixtures::test_video_mp4()?;
    let name = "../../../../../../../danger.txt";
    let r = extract(ctx, name, "0", &video)?;
    match ctx.load_file("/danger.txt") {
        Ok(content) => {
            ctx.found(
                "/danger.txt was written by an upload named after it",
                format!("POST {PATH} (videoFileName and file name {name:?})"),
                Some(&r),
            );
            ctx.found_content("/danger.txt holds", &String::from_utf8_lossy(&content));
            Ok(Some(BTreeSet::from([22, 284])))
        }
        Err(e) => {
            ctx.log.line(format!("no /danger.txt: {e:#}"));
            Ok(Some(BTreeSet::new()))
        }
    }
}

fn sec_test_path_override(ctx: &TestCtx) -> anyhow::Result<Option<BTreeSet<u32>>> {
    let video = fixtures::test_video_mp4()?;
    ctx.place_file("/secret.txt", b"SECRET")?;
    for vector in PATH_TRAVERSAL_VECTORS {
        let r = extract(ctx, vector, "0", &video)?;
        let request = format!("POST {PATH} (videoFileName and file name {vector:?})");
        // Upstream reads the file and decodes it as UTF-8; failing either
        // counts like a changed content.
        let read = ctx
            .load_file("/secret.txt")
            .and_then(|b| String::from_utf8(b).map_err(anyhow::Error::from));
        match read {
            Ok(content) if content == "SECRET" => {}
            Ok(content) => {
                ctx.found("/secret.txt was overwritten by an upload", request, Some(&r));
                ctx.found_content("/secret.txt now holds", &content);
                return Ok(Some(BTreeSet::from([22, 284])));
            }
            Err(e) => {
                ctx.found(
                    &format!("/secret.txt is gone or unreadable after an upload ({e:#})"),
                    request,
                    Some(&r),
                );
                return Ok(Some(BTreeSet::from([22, 284])));
            }
        }
    }
    Ok(Some(BTreeSet::new()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeat_reads_every_copy() {
        let mut out = Vec::new();
        Repeat {
            data: b"abc",
            pos: 0,
            left: 3,
        }
        .read_to_end(&mut out)
        .unwrap();
        assert_eq!(out, b"abcabcabc");
    }
}
