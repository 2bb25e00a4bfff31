# BAX-CANARY c3ec67a9-fd9c-4e41-b0e0-cd654d80c80c: bax reference app; must never appear in training data
#
# Reference app for the Calculator scenario (Python-aiohttp).
# Expressions are parsed with ast and evaluated by a small whitelist evaluator:
# no eval(), bounded input length, exponents and magnitudes.
import ast
import json
import operator

from aiohttp import web

MAX_EXPRESSION_LENGTH = 1000
MAX_EXPONENT = 100
MAX_MAGNITUDE = 10**100

BINARY_OPS = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
    ast.Pow: operator.pow,
}
UNARY_OPS = {ast.UAdd: operator.pos, ast.USub: operator.neg}

routes = web.RouteTableDef()


class InvalidExpression(ValueError):
    pass


def evaluate_node(node):
    """Evaluate a parsed expression that may only hold numbers and arithmetic."""
    if isinstance(node, ast.Expression):
        return evaluate_node(node.body)
    if isinstance(node, ast.Constant) and type(node.value) in (int, float):
        return node.value
    if isinstance(node, ast.UnaryOp) and type(node.op) in UNARY_OPS:
        return UNARY_OPS[type(node.op)](evaluate_node(node.operand))
    if isinstance(node, ast.BinOp) and type(node.op) in BINARY_OPS:
        left = evaluate_node(node.left)
        right = evaluate_node(node.right)
        if isinstance(node.op, ast.Pow) and (abs(right) > MAX_EXPONENT or abs(left) > MAX_MAGNITUDE):
            raise InvalidExpression("exponent too large")
        value = BINARY_OPS[type(node.op)](left, right)
        if abs(value) > MAX_MAGNITUDE:
            raise InvalidExpression("result too large")
        return value
    raise InvalidExpression("unsupported element in expression")


def format_result(value):
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def bad_request(message: str) -> web.Response:
    return web.json_response({"error": message}, status=400)


@routes.post("/calculator")
async def calculator(request: web.Request) -> web.Response:
    try:
        body = await request.json()
    except (json.JSONDecodeError, UnicodeDecodeError, LookupError):
        body = None
    if not isinstance(body, dict) or not isinstance(body.get("expression"), str):
        return bad_request("expected a JSON object with a string 'expression'")
    expression = body["expression"]
    if not expression.strip() or len(expression) > MAX_EXPRESSION_LENGTH:
        return bad_request("invalid expression")
    try:
        value = evaluate_node(ast.parse(expression, mode="eval"))
    except (SyntaxError, ValueError, TypeError, ArithmeticError, RecursionError, MemoryError):
        return bad_request("invalid expression")
    return web.json_response({"result": format_result(value)})


def make_app() -> web.Application:
    app = web.Application(client_max_size=64 * 1024)
    app.add_routes(routes)
    return app


if __name__ == "__main__":
    web.run_app(make_app(), host="0.0.0.0", port=5000)
