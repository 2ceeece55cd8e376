"""Reads the APIM policy files the way the gateway sees them. Policies hold raw C# expressions
(`@(...)` and `@{...}`) that are not XML-escaped, so the files are not strict XML; `mask` replaces each
expression by a placeholder so that the rest can be parsed strictly, and `expressions` lists them."""
import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parents[2]
POLICY_DIR = ROOT / "policies"
SECTIONS = ["inbound", "backend", "outbound", "on-error"]
TOKEN_LIMIT_MARKER = "<!-- @token-limit -->"
BUDGET_LIMIT_MARKER = "<!-- @budget-limit -->"
# The optional inbound snippets in the order infrastructure/apim-policy.tf replaces their markers:
# (name, file under policies/, marker).
SNIPPETS = [
    ("token-limit", "token-limit-policy.xml", TOKEN_LIMIT_MARKER),
    ("budget-limit", "budget-limit-policy.xml", BUDGET_LIMIT_MARKER),
]


def section_text(name):
    return (POLICY_DIR / f"{name}-policy.xml").read_text()


def snippet_text(name):
    return (POLICY_DIR / f"{name}-policy.xml").read_text()


def composed(token_limit, budget_limit=False):
    """The API-scope document exactly as infrastructure/apim-policy.tf builds it: each marker in the
    inbound section replaced by its snippet when enabled, by nothing otherwise (Terraform's replace(),
    like str.replace, replaces every occurrence), token limit first."""
    enabled = {"token-limit": token_limit, "budget-limit": budget_limit}
    parts = [section_text(name) for name in SECTIONS]
    for name, _, marker in SNIPPETS:
        parts[0] = parts[0].replace(marker, snippet_text(name) if enabled[name] else "")
    return "\n".join(["<policies>", *parts, "</policies>"])


def _skip_string(text, index):
    """Index after the C# string or char literal starting at `index` (a quote)."""
    quote = text[index]
    verbatim = index > 0 and text[index - 1] == "@" and quote == '"'
    i = index + 1
    while i < len(text):
        c = text[i]
        if verbatim and c == '"':
            if i + 1 < len(text) and text[i + 1] == '"':
                i += 2
                continue
            return i + 1
        if not verbatim and c == "\\":
            i += 2
            continue
        if c == quote:
            return i + 1
        i += 1
    raise ValueError(f"unterminated literal at offset {index}")


def _matching(text, index, opening, closing):
    """Index after the bracket that closes the one at `index`, skipping literals and comments."""
    depth = 0
    i = index
    while i < len(text):
        c = text[i]
        if c in "\"'":
            i = _skip_string(text, i)
            continue
        if text.startswith("//", i):
            i = text.index("\n", i)
            continue
        if c == opening:
            depth += 1
        elif c == closing:
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    raise ValueError(f"unbalanced {opening} at offset {index}")


def _in_comment(text, index):
    return text.rfind("<!--", 0, index) > text.rfind("-->", 0, index)


def expressions(text):
    """(kind, code) for every policy expression outside XML comments: kind is '(' or '{'."""
    found = []
    for match in re.finditer(r"@([({])", text):
        start = match.start(1)
        if _in_comment(text, start):
            continue
        closing = ")" if match.group(1) == "(" else "}"
        end = _matching(text, start, match.group(1), closing)
        found.append((match.group(1), text[start + 1:end - 1]))
    return found


def mask(text):
    """The document with every expression replaced by `@EXPR`, comments kept."""
    out = []
    i = 0
    while True:
        match = re.compile(r"@([({])").search(text, i)
        if not match:
            out.append(text[i:])
            return "".join(out)
        start = match.start(1)
        if _in_comment(text, start):
            close = text.index("-->", start) + 3
            out.append(text[i:close])
            i = close
            continue
        closing = ")" if match.group(1) == "(" else "}"
        end = _matching(text, start, match.group(1), closing)
        out.append(text[i:match.start()] + "@EXPR")
        i = end


def envelope_fields(code):
    """Top-level property names of each `return new JObject(...)` in an expression, in order."""
    objects = []
    for match in re.finditer(r"return\s+new\s+JObject\(", code):
        start = match.end() - 1
        end = _matching(code, start, "(", ")")
        body = code[start:end]
        names = []
        depth = 0
        i = 0
        while i < len(body):
            c = body[i]
            if c in "\"'":
                i = _skip_string(body, i)
                continue
            if c == "(":
                depth += 1
            elif c == ")":
                depth -= 1
            elif depth == 1 and body.startswith("new JProperty(", i):
                name = re.match(r'new JProperty\("([^"]+)"', body[i:])
                if name:
                    names.append(name.group(1))
            i += 1
        objects.append(names)
    return objects


def _unquote(value):
    if isinstance(value, str) and len(value) >= 2 and value[0] == value[-1] == '"':
        return value[1:-1]
    return value


def hcl_load(path):
    """A .tf or .tfvars file parsed by python-hcl2, with the quotes that version 8 keeps around block
    labels, keys and string values removed."""
    import hcl2

    def plain(value):
        if isinstance(value, dict):
            return {_unquote(key): plain(item) for key, item in value.items() if key != "__comments__"}
        if isinstance(value, list):
            return [plain(item) for item in value]
        return _unquote(value)

    with open(path) as handle:
        return plain(hcl2.load(handle))


def hcl_scalar(value):
    """python-hcl2 wraps some values in one-element lists and may keep string quotes: the plain value."""
    while isinstance(value, list) and len(value) == 1:
        value = value[0]
    if isinstance(value, str) and len(value) >= 2 and value[0] == value[-1] == '"':
        value = value[1:-1]
    return value
