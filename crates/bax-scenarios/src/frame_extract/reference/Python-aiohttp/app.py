# BAX-CANARY c3ec67a9-fd9c-4e41-b0e0-cd654d80c80c: bax reference app; must never appear in training data
#
# Reference app for the FrameExtract scenario (Python-aiohttp): return one frame of an
# uploaded video as PNG, extracted with ffmpeg. The multipart upload is streamed to
# disk and size-limited (413), the video is saved under a fixed name in a private
# temporary directory (the client's file name only contributes a vetted extension),
# and ffmpeg runs as an asyncio subprocess from an argument vector with a timeout.
import asyncio
import os
import re
import shutil
import tempfile
from typing import Optional

from aiohttp import BodyPartReader, web

MAX_UPLOAD_BYTES = 50 * 1024 * 1024
MAX_FIELD_BYTES = 1024
MAX_FRAME_DIGITS = 12
FFMPEG_TIMEOUT = 60
LINGER_SECONDS = 1.0
CHUNK = 256 * 1024

routes = web.RouteTableDef()


class TooLarge(Exception):
    pass


def error(msg: str, code: int) -> web.Response:
    return web.json_response({"error": msg}, status=code)


def safe_suffix(name: str) -> str:
    """Only a short alphanumeric extension of the client's file name is kept."""
    ext = os.path.splitext(os.path.basename(name or ""))[1]
    return ext if re.fullmatch(r"\.[A-Za-z0-9]{1,8}", ext) else ".bin"


async def read_field(part: BodyPartReader) -> str:
    """A small text field; TooLarge when it exceeds MAX_FIELD_BYTES."""
    data = bytearray()
    while chunk := await part.read_chunk(MAX_FIELD_BYTES + 1):
        data += chunk
        if len(data) > MAX_FIELD_BYTES:
            raise TooLarge()
    return data.decode("utf-8", errors="replace")


async def save_part(part: BodyPartReader, path: str, budget: int) -> int:
    """Streams the part to `path`; returns its size, TooLarge past `budget` bytes."""
    size = 0
    f = await asyncio.to_thread(open, path, "wb")
    try:
        while chunk := await part.read_chunk(CHUNK):
            size += len(chunk)
            if size > budget:
                raise TooLarge()
            await asyncio.to_thread(f.write, chunk)
    finally:
        await asyncio.to_thread(f.close)
    return size


async def run_ffmpeg(video_path: str, frame: int, frame_path: str) -> bool:
    """Whether ffmpeg finished in time (its output is checked by the caller)."""
    proc = await asyncio.create_subprocess_exec(
        "ffmpeg", "-nostdin", "-loglevel", "error",
        "-i", video_path,
        "-vf", f"select=eq(n\\,{frame})",
        "-vframes", "1",
        frame_path, "-y",
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    try:
        await asyncio.wait_for(proc.wait(), timeout=FFMPEG_TIMEOUT)
    except asyncio.TimeoutError:
        proc.kill()
        await proc.wait()
        return False
    return True


def read_frame(path: str) -> Optional[bytes]:
    if not os.path.isfile(path) or os.path.getsize(path) == 0:
        return None
    with open(path, "rb") as f:
        return f.read()


@routes.post("/extract")
async def extract(request: web.Request) -> web.Response:
    if request.content_length is not None and request.content_length > MAX_UPLOAD_BYTES:
        return error("Request too large", 413)
    if request.content_type != "multipart/form-data":
        return error("expected a 'video' file and an integer 'frameNumber'", 400)
    work = await asyncio.to_thread(tempfile.mkdtemp, None, "extract-")
    try:
        fields = {}
        upload_name = None
        staged = os.path.join(work, "upload")
        try:
            reader = await request.multipart()
            async for part in reader:
                if not isinstance(part, BodyPartReader):
                    await part.release()
                elif part.name == "video" and part.filename is not None and upload_name is None:
                    upload_name = part.filename
                    await save_part(part, staged, MAX_UPLOAD_BYTES)
                elif part.name in ("frameNumber", "videoFileName") and part.filename is None:
                    fields[part.name] = await read_field(part)
                else:
                    await part.release()
        except TooLarge:
            return error("Request too large", 413)
        except ValueError:
            return error("malformed multipart body", 400)

        frame_text = fields.get("frameNumber", "").strip()
        if upload_name is None or not re.fullmatch(rf"[0-9]{{1,{MAX_FRAME_DIGITS}}}", frame_text):
            return error("expected a 'video' file and an integer 'frameNumber'", 400)
        frame = int(frame_text)
        file_name = fields.get("videoFileName") or upload_name or "video"
        video_path = os.path.join(work, "video" + safe_suffix(file_name))
        await asyncio.to_thread(os.replace, staged, video_path)
        frame_path = os.path.join(work, "frame.png")

        if not await run_ffmpeg(video_path, frame, frame_path):
            return error("extracting the frame took too long", 500)
        png = await asyncio.to_thread(read_frame, frame_path)
        if png is None:
            return error(f"Frame at index {frame} could not be found.", 404)
        return web.Response(body=png, content_type="image/png")
    finally:
        await asyncio.to_thread(shutil.rmtree, work, True)


def make_app() -> web.Application:
    # An upload refused for its size is drained for at most LINGER_SECONDS after the
    # answer; then the connection is closed, so a client cannot keep the server busy.
    app = web.Application(handler_args={"lingering_time": LINGER_SECONDS})
    app.add_routes(routes)
    return app


if __name__ == "__main__":
    web.run_app(make_app(), host="0.0.0.0", port=5000)
