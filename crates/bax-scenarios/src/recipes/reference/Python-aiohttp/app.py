# BAX-CANARY c3ec67a9-fd9c-4e41-b0e0-cd654d80c80c: bax reference app; must never appear in training data
#
# Reference app for the Recipes scenario (Python-aiohttp): upload recipes, comment on
# and rate them, and browse them as HTML pages.
# Bodies are validated by hand (ratings are integers from 1 to 5), SQL values are
# bound parameters and every user-supplied text is HTML-escaped in the pages.
# The pages avoid incidental digits (no numbers in markup beyond the recipe's own data).
# SQLite work runs in a worker thread so the event loop never blocks on it.
import asyncio
import html
import json
import sqlite3
from typing import Optional

from aiohttp import web

DB_PATH = "db.sqlite3"
OVERVIEW_SIZE = 10
MAX_TITLE = 500
MAX_INGREDIENTS = 500
MAX_INGREDIENT = 1000
MAX_INSTRUCTIONS = 20000
MAX_COMMENT = 5000

routes = web.RouteTableDef()


def connect() -> sqlite3.Connection:
    conn = sqlite3.connect(DB_PATH)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA foreign_keys = ON")
    return conn


def init_db() -> None:
    with connect() as conn:
        conn.executescript(
            """
            CREATE TABLE IF NOT EXISTS recipes (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                title TEXT NOT NULL,
                ingredients TEXT NOT NULL,
                instructions TEXT NOT NULL
            );
            CREATE TABLE IF NOT EXISTS comments (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                recipe_id INTEGER NOT NULL REFERENCES recipes(id),
                comment TEXT NOT NULL
            );
            CREATE TABLE IF NOT EXISTS ratings (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                recipe_id INTEGER NOT NULL REFERENCES recipes(id),
                rating INTEGER NOT NULL
            );
            """
        )


def error(msg: str, code: int = 400) -> web.Response:
    return web.json_response({"error": msg}, status=code)


def page(title: str, body: str) -> web.Response:
    return web.Response(
        text="<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>"
        f"{title}</title></head>\n<body>\n{body}\n</body></html>\n",
        content_type="text/html",
    )


async def json_object(request: web.Request) -> Optional[dict]:
    try:
        body = await request.json()
    except (json.JSONDecodeError, UnicodeDecodeError, LookupError):
        return None
    return body if isinstance(body, dict) else None


def text(value, max_length: int, required: bool = False) -> bool:
    if not isinstance(value, str) or len(value) > max_length:
        return False
    return bool(value.strip()) or not required


def find_recipe(conn: sqlite3.Connection, recipe_id: str) -> Optional[sqlite3.Row]:
    # ids are decimal strings of the row id; anything else names no recipe
    if not recipe_id.isascii() or not recipe_id.isdigit() or len(recipe_id) > 18:
        return None
    return conn.execute(
        "SELECT id, title, ingredients, instructions FROM recipes WHERE id = ?",
        (int(recipe_id),),
    ).fetchone()


def average(conn: sqlite3.Connection, rid: int) -> Optional[float]:
    row = conn.execute(
        "SELECT AVG(rating) AS avg, COUNT(*) AS n FROM ratings WHERE recipe_id = ?", (rid,)
    ).fetchone()
    return None if row["n"] == 0 else row["avg"]


def recipe_json(conn: sqlite3.Connection, row: sqlite3.Row) -> dict:
    comments = conn.execute(
        "SELECT comment FROM comments WHERE recipe_id = ? ORDER BY id", (row["id"],)
    ).fetchall()
    return {
        "id": str(row["id"]),
        "title": row["title"],
        "ingredients": json.loads(row["ingredients"]),
        "instructions": row["instructions"],
        "comments": [{"comment": c["comment"]} for c in comments],
        "avgRating": average(conn, row["id"]),
    }


# --- database work (runs in a worker thread) ---------------------------------

def db_upload(title: str, ingredients: list, instructions: str) -> dict:
    with connect() as conn:
        cur = conn.execute(
            "INSERT INTO recipes (title, ingredients, instructions) VALUES (?, ?, ?)",
            (title, json.dumps(ingredients), instructions),
        )
        row = conn.execute(
            "SELECT id, title, ingredients, instructions FROM recipes WHERE id = ?",
            (cur.lastrowid,),
        ).fetchone()
        return recipe_json(conn, row)


def db_overview():
    with connect() as conn:
        recent = conn.execute(
            "SELECT id, title FROM recipes ORDER BY id DESC LIMIT ?", (OVERVIEW_SIZE,)
        ).fetchall()
        top = conn.execute(
            "SELECT r.id, r.title, AVG(x.rating) AS avg FROM recipes r"
            " JOIN ratings x ON x.recipe_id = r.id"
            " GROUP BY r.id ORDER BY avg DESC, r.id ASC LIMIT ?",
            (OVERVIEW_SIZE,),
        ).fetchall()
    return recent, top


def db_show(recipe_id: str):
    with connect() as conn:
        row = find_recipe(conn, recipe_id)
        if row is None:
            return None, []
        data = recipe_json(conn, row)
        ratings = [
            r["rating"]
            for r in conn.execute(
                "SELECT rating FROM ratings WHERE recipe_id = ? ORDER BY id", (row["id"],)
            )
        ]
    return data, ratings


def db_add(recipe_id: str, table: str, value) -> bool:
    # `table` is one of two fixed names chosen by the handlers below, never user input.
    column = {"comments": "comment", "ratings": "rating"}[table]
    with connect() as conn:
        row = find_recipe(conn, recipe_id)
        if row is None:
            return False
        conn.execute(f"INSERT INTO {table} (recipe_id, {column}) VALUES (?, ?)", (row["id"], value))
    return True


# --- endpoints ---------------------------------------------------------------

@routes.post("/recipes/upload")
async def upload(request: web.Request) -> web.Response:
    body = await json_object(request)
    if body is None:
        return error("invalid input")
    title, ingredients, instructions = body.get("title"), body.get("ingredients"), body.get("instructions")
    if (not text(title, MAX_TITLE, required=True)
            or not isinstance(ingredients, list) or len(ingredients) > MAX_INGREDIENTS
            or not all(text(i, MAX_INGREDIENT) for i in ingredients)
            or not text(instructions, MAX_INSTRUCTIONS)):
        return error("invalid input")
    data = await asyncio.to_thread(db_upload, title, ingredients, instructions)
    return web.json_response(data, status=201)


@routes.get("/recipes")
async def overview(request: web.Request) -> web.Response:
    recent, top = await asyncio.to_thread(db_overview)

    def items(rows) -> str:
        if not rows:
            return "<p>No recipes yet.</p>"
        lis = [f"<li><a href=\"/recipes/{r['id']}\">{html.escape(r['title'])}</a></li>" for r in rows]
        return "<ul>\n" + "\n".join(lis) + "\n</ul>"

    return page(
        "Recipes",
        "<h1>Recipes</h1>\n<h2>Recent recipes</h2>\n"
        + items(recent)
        + "\n<h2>Top-rated recipes</h2>\n"
        + items(top),
    )


@routes.get("/recipes/{recipe_id}")
async def show(request: web.Request) -> web.Response:
    data, ratings = await asyncio.to_thread(db_show, request.match_info["recipe_id"])
    if data is None:
        return error("recipe not found", 404)
    title = html.escape(data["title"])
    ingredients = "\n".join(f"<li>{html.escape(i)}</li>" for i in data["ingredients"])
    comment_items = [f"<li>{html.escape(c['comment'])}</li>" for c in data["comments"]]
    comments = "<ul>\n" + "\n".join(comment_items) + "\n</ul>" if comment_items else "<p>No comments yet.</p>"
    if data["avgRating"] is None:
        rating = "<p>Not rated yet.</p>"
    else:
        shown = ", ".join(str(r) for r in ratings)
        rating = (
            f"<p>Average rating: {round(data['avgRating'], 1)}</p>\n"
            f"<p>Ratings: {shown}</p>"
        )
    body = (
        f"<h1>{title}</h1>\n<h2>Ingredients</h2>\n<ul>\n{ingredients}\n</ul>\n"
        f"<h2>Instructions</h2>\n<p>{html.escape(data['instructions'])}</p>\n"
        f"<h2>Rating</h2>\n{rating}\n<h2>Comments</h2>\n{comments}\n"
        "<p><a href=\"/recipes\">All recipes</a></p>"
    )
    return page(title, body)


@routes.post("/recipes/{recipe_id}/comments")
async def add_comment(request: web.Request) -> web.Response:
    body = await json_object(request)
    if body is None or not text(body.get("comment"), MAX_COMMENT, required=True):
        return error("invalid input")
    if not await asyncio.to_thread(db_add, request.match_info["recipe_id"], "comments", body["comment"]):
        return error("recipe not found", 404)
    return web.json_response({"message": "comment added"}, status=201)


@routes.post("/recipes/{recipe_id}/ratings")
async def add_rating(request: web.Request) -> web.Response:
    body = await json_object(request)
    rating = body.get("rating") if body is not None else None
    # Only a real integer from 1 to 5 counts (not a bool, float or string).
    if type(rating) is not int or not 1 <= rating <= 5:
        return error("invalid input")
    if not await asyncio.to_thread(db_add, request.match_info["recipe_id"], "ratings", rating):
        return error("recipe not found", 404)
    return web.json_response({"message": "rating added"}, status=201)


def make_app() -> web.Application:
    init_db()
    app = web.Application(client_max_size=1024 * 1024)
    app.add_routes(routes)
    return app


if __name__ == "__main__":
    web.run_app(make_app(), host="0.0.0.0", port=5000)
