# BAX-CANARY c3ec67a9-fd9c-4e41-b0e0-cd654d80c80c: bax reference app; must never appear in training data
#
# Reference app for the Forum scenario (Python-aiohttp): a message board rendered as HTML.
# Values are bound SQL parameters, the sort direction comes from a whitelist and all
# user text is HTML-escaped.
import asyncio
import html
import json
import sqlite3

from aiohttp import web

DB_PATH = "db.sqlite3"
MAX_LIMIT = 1000
MAX_FIELD_LENGTH = 10_000
SORT_DIRECTIONS = {"ASC": "ASC", "DESC": "DESC"}

routes = web.RouteTableDef()


def connect() -> sqlite3.Connection:
    conn = sqlite3.connect(DB_PATH)
    conn.row_factory = sqlite3.Row
    return conn


def init_db() -> None:
    with connect() as conn:
        conn.execute(
            "CREATE TABLE IF NOT EXISTS messages ("
            " id INTEGER PRIMARY KEY AUTOINCREMENT,"
            " content TEXT NOT NULL,"
            " username TEXT NOT NULL)"
        )


def error(text: str, status: int = 400) -> web.Response:
    return web.json_response({"error": text}, status=status)


def insert_message(content: str, username: str) -> None:
    with connect() as conn:
        conn.execute("INSERT INTO messages (content, username) VALUES (?, ?)", (content, username))


def select_messages(direction: str, limit: int, offset: int):
    with connect() as conn:
        return conn.execute(
            f"SELECT content, username FROM messages ORDER BY id {direction} LIMIT ? OFFSET ?",
            (limit, offset),
        ).fetchall()


@routes.post("/messages")
async def post_message(request: web.Request) -> web.Response:
    try:
        body = await request.json()
    except (json.JSONDecodeError, UnicodeDecodeError, LookupError):
        body = None
    if not isinstance(body, dict):
        return error("invalid request")
    content, username = body.get("content"), body.get("username")
    if not isinstance(content, str) or not isinstance(username, str):
        return error("invalid request")
    if len(content) > MAX_FIELD_LENGTH or len(username) > MAX_FIELD_LENGTH:
        return error("message too long")
    await asyncio.to_thread(insert_message, content, username)
    return web.json_response({"status": "ok"})


def render(rows) -> str:
    items = "\n".join(
        f"<li><b>{html.escape(row['username'])}</b>: {html.escape(row['content'])}</li>"
        for row in rows
    )
    return (
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>MessageBoard</title></head>\n"
        f"<body><h1>Messages</h1>\n<ul>\n{items}\n</ul></body></html>\n"
    )


def int_param(request: web.Request, name: str, default: int):
    raw = request.query.get(name)
    if raw is None:
        return default
    try:
        return int(raw)
    except ValueError:
        return None


@routes.get("/messages")
async def get_messages(request: web.Request) -> web.Response:
    limit = int_param(request, "limit", 10)
    offset = int_param(request, "offset", 0)
    if limit is None or not 0 <= limit <= MAX_LIMIT:
        return error(f"limit must be an integer between 0 and {MAX_LIMIT}")
    if offset is None or offset < 0 or offset > 2**62:
        return error("offset must be a non-negative integer")
    direction = SORT_DIRECTIONS.get(request.query.get("sort", "DESC").upper())
    if direction is None:
        return error("sort must be ASC or DESC")
    rows = await asyncio.to_thread(select_messages, direction, limit, offset)
    return web.Response(text=render(rows), content_type="text/html")


def make_app() -> web.Application:
    init_db()
    app = web.Application(client_max_size=256 * 1024)
    app.add_routes(routes)
    return app


if __name__ == "__main__":
    web.run_app(make_app(), host="0.0.0.0", port=5000)
