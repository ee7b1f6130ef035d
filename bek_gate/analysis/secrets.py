"""Which names, keys and values are secrets (passwords, tokens, API keys, cookies, card numbers).

Names are judged by their words, whatever the spelling: ``access_token``,
``accessToken``, ``ACCESS_TOKEN``, ``X-Api-Key`` and ``accesstoken`` all hold a
token. A name that mentions a secret but describes something about it is
metadata, not the secret: ``token_type``, ``token_expiry``, ``max_tokens``,
``password_reset_url``, ``hashed_password``, ``is_token_valid``,
``csrf_token_name``. The words after the last secret word decide that (the head
noun of a snake_case name is its last word), and so do a few words before it
(``is_``, ``has_``, counting words) and masking words anywhere (``masked_``).

``SecretNames`` holds that classification, extended with a team's extra names
(``["pin", "national id"]``); an ALL_CAPS constant of a cookie or header
(``SESSION_COOKIE``) holds its name, not its value. ``is_masked`` recognises
values that hide a secret (``mask(x)``, a hash, ``len(x)``, ``x[:4]``,
``"***"``, a pydantic ``SecretStr`` field of a parameter whose model this module
declares); ``secret_value`` tells whether an expression carries a secret,
following names to the values assigned to them earlier, attributes that hold
their object's value (``api_key.key``), and strings built after a secret label
(``f"Bearer {key}"``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

import libcst as cst

from bek_gate.analysis import models, strings
from bek_gate.analysis.logging_calls import string_parts
from bek_gate.analysis.names import dotted_name
from bek_gate.analysis.tree import iter_children

if TYPE_CHECKING:
    from bek_gate.engine.context import FileContext

SECRET = "secret"
METADATA = "metadata"


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_WORD = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+")
_SECRET_WORDS = _words(
    "password passwords passwd pwd pw passphrase passcode secret secrets token tokens jwt apikey apikeys "
    "authorization cookie cookies credential credentials creds cvv cvv2 cvc otp privatekey"
)
# Secrets spelled as one lowercase word: ``accesstoken``, ``xapikey``, ``dbpassword``.
_SECRET_ENDINGS = ("password", "passwd", "token", "secret", "apikey", "cookie", "credentials")
_SECRET_COMPOUNDS = _words("cardnumber creditcard ccnumber ccnum cardnum authheader authkey")
_SECRET_PHRASES = tuple(
    tuple(phrase.split())
    for phrase in (
        "api key",
        "api keys",
        "private key",
        "signing key",
        "encryption key",
        "master key",
        "auth key",
        "auth header",
        "card number",
        "card no",
        "card num",
        "cc number",
        "cc num",
        "credit card",
        "pass phrase",
    )
)
# "pass" is a secret only as the last word (``db_pass``), never ``first_pass``.
_PASS_NOT_SECRET_AFTER = _words("first second third last next final single multi one two by render")
# Words after the secret that make the name describe it rather than hold it.
_ABOUT_WORDS = _words("""
    type kind name label format scheme prefix suffix hint last first length len size limit max min
    count num total usage used remaining expiry expires expire expired expiration exp ttl lifetime age
    timeout at date time timestamp ts until url uri link path file filename dir endpoint host domain
    samesite secure httponly field param parameter id arn ref version policy rule strength score valid
    validity revoked present missing required exists enabled disabled changed updated reset change
    created issued sent rotated rotation attempt attempts retries hash hashed digest salt mask masked
    redacted scope claim claims payload issuer audience algorithm alg source provider service manager
    generator validator verifier hasher helper backend class model form schema serializer view handler
    widget error failed failure exception status state result env var variable regex pattern template
    requirement requirements config settings option options consent banner brand location lock
    strategy prompt placeholder display auth authentication login flow grant based mode method methods
    verified confirmed accepted rejected matched match matches ok success successful
    server servers info details
    left since elapsed duration ms sec second minute hour day week month year
    """)
# Words before the secret that make the name a flag or a count: ``is_token_valid``, ``num_tokens``.
_FLAG_WORDS = _words(
    "is has have had should can must need needs require requires use uses with without no "
    "validate verify check num n count max min total"
)
# Tokens that are not credentials: LLM token counts, pagination and idempotency tokens.
_TOKEN_QUALIFIERS = _words(
    "prompt completion input output cached reasoning remaining context used page pagination next "
    "continuation cursor sync idempotency cancellation estimated initial final original truncated llm "
    "generated billed consumed"
)
# Words anywhere that say the value is hidden: ``masked_token``, ``token_sha256``.
_HIDDEN_WORDS = _words(
    "masked redacted hashed hash digest obfuscated sanitized scrubbed censored truncated encrypted "
    "fingerprint sha sha1 sha256 sha512 md5 safe"
)
# Functions and methods whose result hides their argument.
_MASKING_WORDS = _words(
    "mask redact obfuscate anonymize anonymise scrub sanitize sanitise censor hash hexdigest digest "
    "sha1 sha256 sha512 md5 blake2b fingerprint truncate hide masked redacted hashed"
)
_NON_REVEALING_BUILTINS = frozenset({"len", "bool", "type", "id", "isinstance", "hash", "callable"})
# Verbs of functions that take a secret but do not return it: ``verify_password(pw)``.
_CONSUMING_VERBS = _words(
    "verify validate check revoke invalidate delete remove clear set store save rotate blacklist "
    "decode parse is has compare require ensure log send reset expire update record count can"
)
# Calls and methods whose result shows their input: ``str(token)``, ``token.strip()``.
_REVEALING_CALLS = frozenset({"str", "repr", "bytes", "dict", "list", "tuple", "format", "dumps", "pformat"})
_REVEALING_METHODS = _words(
    "strip lstrip rstrip lower upper encode decode replace split partition removeprefix removesuffix "
    "copy items values to_dict dict json model_dump as_dict"
)
_REVEALING_FUNCTIONS = frozenset(
    {
        "json.dumps",
        "base64.b64encode",
        "base64.urlsafe_b64encode",
        "base64.b64decode",
        "urllib.parse.quote",
        "urllib.parse.urlencode",
        "pprint.pformat",
    }
)
# Attributes that hold whatever their object is: ``api_key.key``, ``token.value``, ``password.raw``.
_HOLDER_WORDS = _words("data value raw plain plaintext cleartext clear text key")
_MAPPING_GETTERS = frozenset({"get", "getenv", "pop", "getlist", "get_header"})
_REQUEST_WORDS = frozenset({"request", "req", "session", "client", "http"})
# Containers whose every value is a secret: ``request.cookies["sessionid"]``, ``tokens["github"]``;
# except cookies that only remember a preference.
_SECRET_COLLECTIONS = frozenset({"cookies", "tokens", "secrets", "passwords", "keys", "apikeys"})
_PREFERENCE_WORDS = _words(
    "consent theme lang language locale timezone tz currency country region pref prefs preferences "
    "banner dismissed seen mode dark layout sort view tour cart"
)
# Names of values that say what they are, so a secret label before them is not theirs: ``token=%s, user_id``.
_DESCRIPTIVE_WORDS = _words("e ex exc err error exception reason msg email username user uuid pk phone ip")
_PREDICATE_METHODS = _words(
    "startswith endswith isdigit isalnum isalpha isascii isdecimal isnumeric islower isupper"
)
_NUMERIC_CONVERSIONS = frozenset("diouxXeEfFgG")
_TOKEN_ENCODERS = frozenset({"jwt.encode", "jose.jwt.encode", "authlib.jose.jwt.encode"})
# Secrets whose ALL_CAPS constants are names, not values: ``SESSION_COOKIE``, ``API_KEY_HEADER``.
_KIND_WORDS = _words("cookie cookies authorization header headers authheader")
_MAX_DEPTH = 6
# Text that labels the value after it: ``password=``, ``api key: '``, ``Authorization: Bearer ``.
_LABEL = re.compile(r"(?<![\w.\-])(?:([A-Za-z][\w\-]*)[ \t]+)?([A-Za-z][\w.\-]*)\s*[:=]\s*[\"'\[(<{]?\s*$")
_BEARER = re.compile(r"\bbearer\s+[\"']?$", re.IGNORECASE)
# Labels that introduce a credential in text (``auth=%s``) although, as names, they mean many things
# (``auth`` the module, the app, the backend).
_LABEL_WORDS = frozenset({"auth"})
_LABEL_HEADS = frozenset({"header", "value", "key", "keys", "number", "no", "num", "code", "string", "str"})


def split_words(name: str) -> list[str]:
    """The lowercase words of an identifier, key or header name (``X-Api-Key`` -> x, api, key)."""
    return [word.lower() for word in _WORD.findall(name)]


class SecretNames:
    """Classifies names as secrets, as metadata about a secret, or neither ("")."""

    def __init__(self, extra_names: Iterable[str] = ()) -> None:
        extra = {tuple(split_words(name)) for name in extra_names}
        self._phrases = tuple(sorted((p for p in extra | set(_SECRET_PHRASES) if p), key=len, reverse=True))
        self._cache: dict[str, str] = {}

    def classify(self, name: str) -> str:
        """``SECRET``, ``METADATA`` (mentions a secret but is not one) or ``""``."""
        kind = self._cache.get(name)
        if kind is None:
            kind = self._cache[name] = self._classify_words(split_words(name))
        return kind

    def is_secret(self, name: str) -> bool:
        return self.classify(name) == SECRET

    def classify_identifier(self, name: str) -> str:
        """``classify`` for a variable or attribute: an ALL_CAPS constant that names a cookie or a
        header (``SESSION_COOKIE``, ``API_KEY_HEADER``) holds that name, not the secret, so it is ""."""
        kind = self.classify(name)
        if kind == SECRET and strings.is_constant_name(name):
            words = split_words(name)
            span = self._last_secret(words)
            if span is not None and any(word in _KIND_WORDS for word in words[span[1] - 1 :]):
                return ""
            if any(word in ("header", "headers") for word in words) or words[0] in _CONSUMING_VERBS:
                return (
                    ""  # ``FORWARD_USER_INFO_HEADER_JWT``, ``UPDATE_USER_PASSWORD``: a name or an operation
                )
        return kind

    def classify_function(self, name: str) -> str:
        """Whether a function's result is a secret, by its name: ``get_token`` yes, ``verify_token`` no."""
        words = split_words(name)
        if not words or words[0] in _CONSUMING_VERBS:
            return ""
        return self._classify_words(words)

    def _classify_words(self, words: list[str]) -> str:
        span = self._last_secret(words)
        if span is None:
            return ""
        start, end = span
        if any(word in _HIDDEN_WORDS for word in words):
            return METADATA
        if any(word in _ABOUT_WORDS or word.rstrip("s") in _ABOUT_WORDS for word in words[end:]):
            return METADATA
        if any(word in _FLAG_WORDS for word in words[:start]):
            return METADATA
        if words[end - 1] in ("token", "tokens") and any(word in _TOKEN_QUALIFIERS for word in words[:start]):
            return METADATA
        return SECRET

    def _last_secret(self, words: list[str]) -> tuple[int, int] | None:
        found = None
        index = 0
        while index < len(words):
            length = self._secret_at(words, index)
            if length:
                found = (index, index + length)
                index += length
            else:
                index += 1
        return found

    def _secret_at(self, words: list[str], index: int) -> int:
        for phrase in self._phrases:
            if tuple(words[index : index + len(phrase)]) == phrase:
                return len(phrase)
        word = words[index]
        if word in _SECRET_WORDS or word in _SECRET_COMPOUNDS:
            return 1
        if any(word.endswith(ending) and word != ending for ending in _SECRET_ENDINGS):
            return 1
        is_last = index == len(words) - 1
        if word == "pass" and is_last and (index == 0 or words[index - 1] not in _PASS_NOT_SECRET_AFTER):
            return 1
        return 0


@lru_cache(maxsize=32)
def secret_names(extra_names: tuple[str, ...] = ()) -> SecretNames:
    """A shared classifier for one set of extra names (its cache lives across files)."""
    return SecretNames(extra_names)


def _callee_name(func: cst.BaseExpression) -> str:
    if isinstance(func, cst.Name):
        return func.value
    if isinstance(func, cst.Attribute):
        return func.attr.value
    return ""


def _small_int(node: cst.BaseExpression | None, limit: int, negative: bool) -> bool:
    if negative:
        return (
            isinstance(node, cst.UnaryOperation)
            and isinstance(node.operator, cst.Minus)
            and _small_int(node.expression, limit, negative=False)
        )
    return isinstance(node, cst.Integer) and 0 <= int(node.value, 0) <= limit


def _is_partial_slice(node: cst.Subscript) -> bool:
    """``x[:4]`` or ``x[-4:]``: a few characters, not the secret."""
    if len(node.slice) != 1 or not isinstance(node.slice[0].slice, cst.Slice):
        return False
    part = node.slice[0].slice
    if part.step is not None:
        return False
    head = (part.lower is None or _small_int(part.lower, 0, False)) and _small_int(part.upper, 16, False)
    tail = _small_int(part.lower, 16, negative=True) and part.upper is None
    return head or tail


def is_masked(context: FileContext, node: cst.CSTNode) -> bool:
    """Whether ``node`` hides whatever secret it is computed from (or is a literal, so holds none)."""
    if isinstance(node, (cst.SimpleString, cst.Integer, cst.Float)):
        return True
    if isinstance(node, cst.Name):
        return node.value in ("None", "True", "False")
    if isinstance(node, (cst.Comparison, cst.UnaryOperation)):
        return True
    if isinstance(node, cst.ConcatenatedString):
        return context.is_constant(node)
    if isinstance(node, cst.FormattedString):
        return all(
            is_masked(context, part.expression)
            for part in node.parts
            if isinstance(part, cst.FormattedStringExpression)
        )
    if isinstance(node, cst.IfExp):
        return is_masked(context, node.body) and is_masked(context, node.orelse)
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Multiply):
        return isinstance(node.left, cst.SimpleString) or isinstance(node.right, cst.SimpleString)
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Add):
        return is_masked(context, node.left) and is_masked(context, node.right)  # ``key[:4] + "..."``
    if isinstance(node, cst.Subscript):
        return _is_partial_slice(node)
    if isinstance(node, cst.Attribute):
        if models.is_identifier_field(context, node.attr.value):
            return True  # ``transaction.token`` declared as ``models.UUIDField()``: an identifier
        if isinstance(node.value, cst.Call) and _is_uuid(context, node.value):
            return True  # ``uuid.uuid4().hex``
        return models.declared_secret_type(context, node)
    if isinstance(node, cst.Call):
        if _is_uuid(context, node):
            return True
        name = _callee_name(node.func)
        words = split_words(name)
        if any(word in _MASKING_WORDS for word in words) or name in _PREDICATE_METHODS:
            return True
        if words and words[0] in ("is", "has"):
            return True  # a predicate: ``is_valid_token(t)``
        qualified = context.qualified_name(node.func) or ""
        if name in _NON_REVEALING_BUILTINS:
            return qualified == f"builtins.{name}"
        return qualified.startswith(("hashlib.", "hmac."))
    return False


def _is_uuid(context: FileContext, node: cst.Call) -> bool:
    """``uuid.uuid4()``, ``uuid4()``: a random identifier, not a credential (what grants access is
    where it is checked, which a log line does not show)."""
    return (context.qualified_name(node.func) or "").startswith("uuid.")


@dataclass(frozen=True)
class SecretValue:
    """A secret an expression carries: ``shown`` as written, ``source`` when found through a name."""

    shown: str
    source: str | None = None


def shown(context: FileContext, node: cst.CSTNode, limit: int = 60) -> str:
    """The source of ``node`` on one line, shortened for a message."""
    text = " ".join(context.code(node).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def secret_value(
    context: FileContext, node: cst.CSTNode, names: SecretNames, depth: int = 0
) -> SecretValue | None:
    """The secret ``node`` carries, if any: by name, attribute, key, or a value assigned earlier."""
    if depth > _MAX_DEPTH or is_masked(context, node):
        return None
    depth += 1
    if isinstance(node, cst.Name):
        return _name_secret(context, node, names, depth)
    if isinstance(node, cst.Attribute):
        return _attribute_secret(context, node, names, depth)
    if isinstance(node, cst.Subscript):
        key = _string_key(context, node)
        if key is not None:
            if _holds_secret_at(names, node.value, key):
                return SecretValue(shown(context, node))
            return None
        if _container_name(node.value) == "environ" and len(node.slice) == 1:
            # ``os.environ[JOB_NAME_ENV_VAR]``: the variable's constant name says what it holds.
            index = node.slice[0].slice
            named = _key_name(context, index.value) if isinstance(index, cst.Index) else None
            if named is not None:
                words = split_words(named)
                while len(words) > 1 and words[-1] in ("env", "var", "variable", "name", "environ"):
                    words.pop()  # ``API_KEY_ENV_VAR`` names the variable that holds the API key
                return SecretValue(shown(context, node)) if names.is_secret("_".join(words)) else None
        return _carried(context, node.value, names, depth, node)
    if isinstance(node, cst.Call):
        return _call_secret(context, node, names, depth)
    if isinstance(node, (cst.FormattedString, cst.BinaryOperation, cst.ConcatenatedString)):
        if _labelled_in_string(context, node, names):
            return SecretValue(shown(context, node))
        built = context.built_string(node)
        parts = built.dynamic_parts if built is not None else ()
        return _first(context, parts, names, depth)
    if isinstance(node, cst.Dict):
        return _dict_secret(context, node, names, depth)
    if isinstance(node, (cst.Tuple, cst.List, cst.Set)):
        return _first(context, [element.value for element in node.elements], names, depth)
    if isinstance(node, cst.IfExp):
        return _first(context, [node.body, node.orelse], names, depth)
    if isinstance(node, cst.BooleanOperation):
        return _first(context, [node.left, node.right], names, depth)
    if isinstance(node, (cst.Await, cst.NamedExpr)):
        inner = node.expression if isinstance(node, cst.Await) else node.value
        return secret_value(context, inner, names, depth)
    return None


def labelled_secret(context: FileContext, node: cst.CSTNode, names: SecretNames) -> bool:
    """Whether a value logged under a secret label (``password=``, a ``token`` key) may be that secret.

    Masked values, literals, exceptions and names that say what they are
    (``token_id``, ``error``) are not.
    """
    if is_masked(context, node):
        return False
    while isinstance(node, cst.Call) and _callee_name(node.func) in _REVEALING_CALLS and node.args:
        node = node.args[0].value
    if isinstance(node, cst.Call):
        return False  # a computed value (``sorted(secrets.keys())``); secret getters are caught by name
    name = _container_name(node)
    if isinstance(node, cst.Name):
        bindings = context.bindings(node.value) or []
        if any(binding.kind in ("except", "import", "def", "class") for binding in bindings):
            return False
        values = context.assigned_values(node.value)
        if values and all(is_masked(context, value) for value in values):
            return False  # ``token = uuid.uuid4().hex``
        if node.value == "tokens" and _counts_tokens(context):
            return False
    kind = names.classify(name)
    if kind == METADATA or (kind == SECRET and names.classify_identifier(name) == ""):
        return False  # ``token_type``; ``SESSION_COOKIE``, the cookie's name
    words = split_words(name)
    if words and (words[-1] in _ABOUT_WORDS or words[-1].rstrip("s") in _ABOUT_WORDS):
        return False  # ``user_id``, ``key.name``, ``token.created``
    if words and (words[0] in _FLAG_WORDS or words[0] in ("valid", "invalid", "verified")):
        return False  # a predicate: ``valid_resource_owner``
    return not set(words) & _DESCRIPTIVE_WORDS


def keyed_secret(context: FileContext, node: cst.CSTNode, names: SecretNames) -> bool:
    """Whether the value stored under a secret key (``{"Authorization": v}``, ``password=v``) is the secret.

    As ``labelled_secret``, except that a call's result counts too: a key names
    what its value is (``{"Authorization": bearer_for(service)}``), where a
    message label may be followed by anything. Calls that mask, check or
    describe (``mask(t)``, ``verify_token(t)``, ``token_type()``) and
    builtins (``sorted(secrets)``) do not.
    """
    if labelled_secret(context, node, names):
        return True
    while isinstance(node, cst.Call) and _callee_name(node.func) in _REVEALING_CALLS and node.args:
        node = node.args[0].value
    if not isinstance(node, cst.Call) or is_masked(context, node):
        return False
    words = split_words(_callee_name(node.func))
    if (
        not words
        or words[0] in _CONSUMING_VERBS
        or words[-1] in _ABOUT_WORDS
        or set(words) & _DESCRIPTIVE_WORDS
    ):
        return False
    if isinstance(node.func, cst.Name) and (context.qualified_name(node.func) or "").startswith("builtins."):
        return False
    return names.classify_function(_callee_name(node.func)) != METADATA


def secret_label(text: str, names: SecretNames) -> str | None:
    """The secret-like label that ``text`` ends with (``"login password="`` -> ``password``), if any."""
    if _BEARER.search(text):
        return "Bearer"
    match = _LABEL.search(text)
    if match is None:
        return None
    previous, last = match.groups()
    if names.is_secret(last) or last.lower() in _LABEL_WORDS:
        return last
    # "api key:", "card number:": the secret spans two words, the last being its head noun.
    phrase = f"{previous} {last}"
    head = split_words(last)[-1:]
    if previous and head and head[0] in _LABEL_HEADS and names.is_secret(phrase):
        return phrase
    return None


def _labelled_in_string(context: FileContext, node: cst.BaseExpression, names: SecretNames) -> bool:
    """A string built with a value after a secret label: ``f"Bearer {key}"``, ``"token=" + value``."""
    return any(
        part.label
        and part.conversion not in _NUMERIC_CONVERSIONS
        and secret_label(part.label, names)
        and labelled_secret(context, part.value, names)
        for part in string_parts(context, node)
    )


def _first(
    context: FileContext, nodes: Iterable[cst.CSTNode], names: SecretNames, depth: int
) -> SecretValue | None:
    for node in nodes:
        found = secret_value(context, node, names, depth)
        if found is not None:
            return found
    return None


def _carried(
    context: FileContext, inner: cst.CSTNode, names: SecretNames, depth: int, outer: cst.CSTNode
) -> SecretValue | None:
    """``outer`` shows what ``inner`` holds (``str(x)``, ``x.strip()``, ``tokens[0]``)."""
    found = secret_value(context, inner, names, depth)
    return SecretValue(shown(context, outer), found.source) if found is not None else None


def _name_secret(context: FileContext, node: cst.Name, names: SecretNames, depth: int) -> SecretValue | None:
    bindings = context.bindings(node.value)
    if bindings is None and _is_module(node.value, context.imports.aliases.get(node.value)):
        return None  # ``secrets``, ``jwt``: a module, not a value
    for binding in bindings or ():
        if binding.kind in ("def", "class", "except") or (
            binding.kind == "import" and _is_module(node.value, binding.qualified_name)
        ):
            return None
    kind = names.classify_identifier(node.value)
    if kind == METADATA or (node.value == "tokens" and _counts_tokens(context)):
        return None
    if kind == SECRET:
        values = context.assigned_values(node.value)
        if values and all(
            is_masked(context, value) or _describes(context, value, names, depth) for value in values
        ):
            return None
        return SecretValue(node.value)
    # A value assigned on any path that reaches here may be the one logged, also when other paths
    # bind the name otherwise (``def f(headers=None): if headers is None: headers = {...}``).
    values = [b.value for b in bindings or () if b.kind in ("assign", "with") and b.value is not None]
    # ``msg += password`` is not an assignment of a value; the string analysis follows it.
    extended = any(binding.kind == "augassign" for binding in bindings or ())
    if (extended or not values) and (built := context.built_string(node)) is not None:
        values += built.dynamic_parts
    for value in values:
        found = secret_value(context, value, names, depth)
        if found is not None:
            return SecretValue(node.value, found.source or found.shown)
    return None


def _describes(context: FileContext, node: cst.CSTNode, names: SecretNames, depth: int) -> bool:
    """A sentence built from values that carry no secret (``creds = f" (profile: {name!r})"``):
    whatever its name, it describes a credential rather than holding one."""
    if isinstance(node, cst.IfExp):
        return all(
            is_masked(context, branch) or _describes(context, branch, names, depth)
            for branch in (node.body, node.orelse)
        )
    built = context.built_string(node)
    if built is None or " " not in built.text.strip():
        return False
    if _labelled_in_string(context, node, names):  # type: ignore[arg-type]
        return False  # ``f"Bearer {value}"``
    return _first(context, built.dynamic_parts, names, depth) is None


def _counts_tokens(context: FileContext) -> bool:
    """Whether the module counts LLM tokens (``prompt_tokens``, ``max_tokens``...): its bare
    ``tokens`` is then a count too."""

    def scan() -> bool:
        stack: list[cst.CSTNode] = [context.module]
        while stack:
            node = stack.pop()
            if isinstance(node, (cst.Name, cst.Attribute)):
                name = node.value if isinstance(node, cst.Name) else node.attr.value
                words = split_words(name)
                if len(words) > 1 and words[-1] == "tokens" and words[-2] in _TOKEN_QUALIFIERS | _FLAG_WORDS:
                    return True
            stack.extend(iter_children(node))
        return False

    return context.cached(("secrets.counts_tokens",), scan)


def _attribute_secret(
    context: FileContext, node: cst.Attribute, names: SecretNames, depth: int
) -> SecretValue | None:
    attribute = node.attr.value
    kind = names.classify_identifier(attribute)
    if kind == SECRET:
        values = context.instance_attribute_values(node)
        if values and all(is_masked(context, value) for value in values):
            return None
        return SecretValue(shown(context, node))
    if kind == METADATA:
        return None
    if attribute in ("headers", "META", "environ") and _is_request_like(context, node.value):
        return SecretValue(shown(context, node))
    if _is_holder(attribute, node.value):
        return _carried(context, node.value, names, depth, node)
    values = context.instance_attribute_values(node)
    for value in values or ():
        found = secret_value(context, value, names, depth)
        if found is not None:
            return SecretValue(shown(context, node), found.source or found.shown)
    return None


def _is_holder(attribute: str, receiver: cst.BaseExpression) -> bool:
    """``api_key.key``, ``token.value``, ``password.raw_value``: an attribute that holds its object's value.

    Only words that say "the value itself" count, so ``form.password.help_text``
    and ``token.hashed_value`` do not; a cookie's ``key`` is its name
    (``http.cookies.Morsel``).
    """
    words = split_words(attribute)
    if not words or not set(words) <= _HOLDER_WORDS:
        return False
    if words[-1] == "key":
        return not set(split_words(_container_name(receiver))) & _KIND_WORDS
    return True


def _is_module(local: str, qualified: str | None) -> bool:
    """``import jwt`` binds a module; ``from app.config import API_KEY`` most likely a value."""
    if qualified is None:
        return False
    return "." not in qualified or qualified.rsplit(".", 1)[-1] != local


def _is_request_like(context: FileContext, node: cst.BaseExpression) -> bool:
    """Objects whose headers carry the caller's credentials; ``os`` for ``os.environ``."""
    name = _container_name(node)
    if name == "os":
        return context.qualified_name(node) == "os"
    return bool(set(split_words(name)) & _REQUEST_WORDS)


def _call_secret(context: FileContext, node: cst.Call, names: SecretNames, depth: int) -> SecretValue | None:
    func = node.func
    callee = _callee_name(func)
    if callee in _MAPPING_GETTERS and node.args:
        key = strings.constant_text(context, node.args[0].value)
        receiver = func.value if isinstance(func, cst.Attribute) else None
        if _holds_secret_at(names, receiver, key):
            return SecretValue(shown(context, node))
        if key is not None:
            return None
    if names.classify_function(callee) == SECRET:
        key = node.args[0].value if node.args else None
        if isinstance(key, cst.SimpleString) and set(split_words(key.value)) & _PREFERENCE_WORDS:
            return None  # ``get_cookie("theme")``
        return SecretValue(shown(context, node))
    if callee == "encode" and context.qualified_name(func) in _TOKEN_ENCODERS:
        return SecretValue(shown(context, node))
    if callee == "dict" and isinstance(func, cst.Name):
        return _keywords_secret(context, node, names, depth)
    if callee in _REVEALING_CALLS and isinstance(func, cst.Name) and node.args:
        return _carried(context, node.args[0].value, names, depth, node)
    if callee in _REVEALING_METHODS and isinstance(func, cst.Attribute):
        return _carried(context, func.value, names, depth, node)
    if isinstance(func, cst.Attribute) and node.args and context.qualified_name(func) in _REVEALING_FUNCTIONS:
        return _carried(context, node.args[0].value, names, depth, node)
    return None


def _holds_secret_at(names: SecretNames, container: cst.BaseExpression | None, key: str | None) -> bool:
    """``x["password"]``, ``headers.get("Authorization")``, or any key of ``request.cookies``.

    ``key`` is None when it is not a constant (``cookies.get(settings.SESSION_COOKIE_NAME)``): only a
    collection of secrets tells then, and a cookie read by a computed name is the session's, not a
    preference's, whose names are written out.
    """
    kind = names.classify(key) if key is not None else ""
    if kind or container is None:
        return kind == SECRET
    container_name = _container_name(container)
    words = split_words(container_name)
    if not words or words[-1] not in _SECRET_COLLECTIONS or not names.is_secret(container_name):
        return False
    return key is None or not set(split_words(key)) & _PREFERENCE_WORDS


def _keywords_secret(
    context: FileContext, node: cst.Call, names: SecretNames, depth: int
) -> SecretValue | None:
    for arg in node.args:
        keyword = arg.keyword.value if arg.keyword is not None else ""
        if keyword and names.is_secret(keyword) and keyed_secret(context, arg.value, names):
            return SecretValue(shown(context, arg))
        found = secret_value(context, arg.value, names, depth)
        if found is not None:
            return found
    return None


def _dict_secret(context: FileContext, node: cst.Dict, names: SecretNames, depth: int) -> SecretValue | None:
    for element in node.elements:
        if isinstance(element, cst.DictElement):
            key = _key_name(context, element.key)
            if key and names.is_secret(key) and keyed_secret(context, element.value, names):
                return SecretValue(shown(context, element))
        found = secret_value(context, element.value, names, depth)
        if found is not None:
            return found
    return None


def _key_name(context: FileContext, node: cst.BaseExpression) -> str | None:
    """A dict key's text (``"Authorization"``, ``AUTH_HEADER = "Authorization"``), or the name of
    the constant that holds it when its text is not known here (``settings.AUTH_HEADER``)."""
    text = strings.constant_text(context, node)
    if text is None and isinstance(node, (cst.Name, cst.Attribute)):
        name = node.value if isinstance(node, cst.Name) else node.attr.value
        return name if strings.is_constant_name(name) else None
    return text


def _string_key(context: FileContext, node: cst.Subscript) -> str | None:
    if len(node.slice) != 1 or not isinstance(node.slice[0].slice, cst.Index):
        return None
    return strings.constant_text(context, node.slice[0].slice.value)


def _container_name(node: cst.BaseExpression) -> str:
    """The last name of a receiver: ``request.cookies`` -> ``cookies``, ``get_config()`` -> ``get_config``."""
    if isinstance(node, cst.Call):
        node = node.func
    dotted = dotted_name(node)
    if dotted:
        return dotted.rsplit(".", 1)[-1]
    if isinstance(node, cst.Attribute):
        return node.attr.value
    return ""
