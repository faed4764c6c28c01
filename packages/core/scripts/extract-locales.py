#!/usr/bin/python3
"""Extract the message catalogues and Django's language-selection data used by src/lib/i18n.ts.

Run with Debian's Python, which has Django 3.2, DRF 3.14 and simplejwt 5.2.2 installed:

    /usr/bin/python3 packages/core/scripts/extract-locales.py          # rewrite the files
    /usr/bin/python3 packages/core/scripts/extract-locales.py --check  # exit 1 if they are stale

Writes src/locales/catalogs.json, src/locales/languages.json and test/vectors/i18n.json.

gettext reads the compiled .mo files, not the .po sources, so the .mo files are the truth here.
The .po files (only simplejwt ships them; Debian's DRF ships .mo only) are parsed as a
cross-check: an entry counts if it is not fuzzy and its msgstr is not empty, which is what
msgfmt keeps. Every disagreement between a .po and its .mo is printed to stderr and the .mo wins.
(For simplejwt 5.2.2 as packaged by Debian they agree; the fuzzy flags in es_AR and uk_UA sit on
the header entry, which msgfmt always keeps.)

Besides simplejwt and DRF, two Django catalogues carry msgids of interest and take part in the
lookup, so they are extracted too (limited to those msgids): Django's own catalogue
("This field is required.", "Null characters are not allowed.") and django.contrib.auth's
("user", shared with simplejwt's token_blacklist models). Leaving them out would make the output differ from the reference.
"""
import gettext
import glob
import json
import os
import re
import sys
import tempfile

DIST = "/usr/lib/python3/dist-packages"
HERE = os.path.dirname(os.path.abspath(__file__))
CORE = os.path.dirname(HERE)
OUT_CATALOGS = os.path.join(CORE, "src", "locales", "catalogs.json")
OUT_LANGUAGES = os.path.join(CORE, "src", "locales", "languages.json")
OUT_VECTORS = os.path.join(CORE, "test", "vectors", "i18n.json")

# The DRF messages the TypeScript port can emit.
DRF_MSGIDS = [
    "Authentication credentials were not provided.",
    "Incorrect authentication credentials.",
    "You do not have permission to perform this action.",
    "This field is required.",
    "This field may not be blank.",
    "This field may not be null.",
    "Not a valid string.",
    "Invalid data. Expected a dictionary, but got {datatype}.",
    "JSON parse error - {detail}",
    "Malformed request.",
    'Unsupported media type "{media_type}" in request.',
    'Method "{method}" not allowed.',
    "Not found.",
    "A server error occurred.",
    "No data provided",
    # CharField's validators: DRF's own, and Django's (found in Django's catalogue).
    "Surrogate characters are not allowed: U+{code_point:X}.",
    "Null characters are not allowed.",
    # CharField(max_length), for a password beyond the hashing bound.
    "Ensure this field has no more than {max_length} characters.",
    # Throttled; its second sentence is formatted before ngettext, so it is never translated.
    "Request was throttled.",
]

# Same app order and i18n settings as the reference server; the order decides precedence.
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "rest_framework",
    "rest_framework_simplejwt",
    "rest_framework_simplejwt.token_blacklist",
]

# Short names for the locale directories that can take part in a lookup.
FAMILIES = {
    os.path.join(DIST, "django", "conf", "locale"): "django",
    os.path.join(DIST, "django", "contrib", "auth", "locale"): "auth",
    os.path.join(DIST, "django", "contrib", "contenttypes", "locale"): "contenttypes",
    os.path.join(DIST, "rest_framework", "locale"): "drf",
    os.path.join(DIST, "rest_framework_simplejwt", "locale"): "simplejwt",
}

HEADER_SAMPLES = [
    # every simplejwt locale, as a browser would spell it, and two as directory names
    "cs", "de-CH", "es", "es-AR", "es-CL", "fa-IR", "fr", "id-ID", "it-IT", "ko-KR", "nl-NL",
    "pl-PL", "pt-BR", "ro", "ru-RU", "sv", "tr", "uk-UA", "zh-Hans", "ko_KR", "zh_Hans",
    # generic and regional variants
    "ko", "ko-kr", "de", "de-ch", "zh-hans", "zh-cn", "zh-CN", "zh", "zh-Hant", "zh-TW", "zh-hk",
    "zh-sg", "pt", "pt-PT", "es-419", "es-MX", "fa", "id", "it", "nl", "pl", "ru", "uk", "sv-SE",
    "tr-TR", "ro-RO", "cs-CZ", "fr-CA", "fr-CH", "en", "en-GB", "en-US", "en-us", "EN", "ja",
    "sr-Latn", "sr-latn-rs", "nb", "no", "x-klingon", "i-default",
    # q-values, wildcards and lists
    "fr;q=0.5, ko;q=0.9", "de-CH,de;q=0.9", "ko;q=0", "ko;q=0, fr;q=0", "xx, ko", "*", "*, ko",
    "ko, *", "fr-CH, fr;q=0.9, en;q=0.8, de;q=0.7, *;q=0.5", "da, en-gb;q=0.8, en;q=0.7",
    "ko ; q=0.5", "ko,", "ru;q=0.8, uk;q=0.8", "ko;q=1.000", "ko;q=0.",
    # malformed values
    "xx", "", ";;;", "ko;q=1.5", "ko;q=0.12345", " ko", "ko;", "ko-", "ko__KR", "한국어",
    # over-long values (the 500-character guard)
    "xx-abcdefgh, " * 40 + "ko",
    "ko, " + "xx-abcdefgh, " * 46,
    "ko-" + "-".join(["abcdefgh"] * 66),
    "de-" + "abcdefgh-" * 60 + "ch",
]


def configure_django():
    import django
    from django.conf import settings

    settings.configure(
        DEBUG=False, SECRET_KEY="extract-locales", ALLOWED_HOSTS=["*"], ROOT_URLCONF=__name__,
        USE_TZ=True, USE_I18N=True, LANGUAGE_CODE="en-us",
        MIDDLEWARE=["django.middleware.locale.LocaleMiddleware"],
        INSTALLED_APPS=INSTALLED_APPS,
        # Never opened (no queries, no migrations); Django just needs a database setting.
        DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3",
                               "NAME": os.path.join(tempfile.gettempdir(), "extract-locales.db")}},
    )
    django.setup()


urlpatterns = []  # ROOT_URLCONF for LocaleMiddleware (no i18n_patterns, so no path prefix)


# --- .po parsing (cross-check only) ---------------------------------------------------------

_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\", "a": "\a", "b": "\b",
            "f": "\f", "v": "\v"}


def _unquote(s):
    s = s.strip()
    assert s.startswith('"') and s.endswith('"'), s
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), m.group(0)), s[1:-1])


def parse_po(path):
    """Return the entries of a .po file as dicts (flags, msgctxt, msgid, msgstr, ...)."""
    entries, cur, field = [], None, None
    with open(path, encoding="utf-8") as fh:
        for raw in fh:
            line = raw.strip()
            if not line or line.startswith("#~"):
                continue
            if line.startswith('"'):
                cur[field] += _unquote(line)
                continue
            starts_entry = line.startswith("#") or line.split(" ", 1)[0] in ("msgctxt", "msgid")
            if starts_entry and cur is not None and any(k.startswith("msgstr") for k in cur):
                entries.append(cur)
                cur = None
            if cur is None:
                cur = {"flags": set()}
            if line.startswith("#,"):
                cur["flags"].update(f.strip() for f in line[2:].split(","))
            elif not line.startswith("#"):
                field, _, rest = line.partition(" ")
                cur[field] = _unquote(rest)
    if cur is not None:
        entries.append(cur)
    return [e for e in entries if "msgid" in e]


def po_compiled(entries):
    """{msgid: msgstr} of what msgfmt keeps: not fuzzy, msgstr not empty (header excluded)."""
    return {e["msgid"]: e["msgstr"] for e in entries
            if e["msgid"] and "msgctxt" not in e and "msgid_plural" not in e
            and "fuzzy" not in e["flags"] and e.get("msgstr")}


def load_mo(path):
    with open(path, "rb") as fh:
        return gettext.GNUTranslations(fh)


def mo_messages(path):
    """{msgid: msgstr} of a compiled catalogue, without the header and plural entries."""
    return {k: v for k, v in load_mo(path)._catalog.items() if isinstance(k, str) and k and v}


# --- catalogues -----------------------------------------------------------------------------

def simplejwt_msgids():
    ids = set()
    for po in glob.glob(os.path.join(DIST, "rest_framework_simplejwt", "locale", "*",
                                     "LC_MESSAGES", "django.po")):
        ids.update(e["msgid"] for e in parse_po(po) if e["msgid"])
    return sorted(ids)


def build_catalogs(interest):
    """{family: {locale dir: {msgid: msgstr}}} from the .mo files: every simplejwt message, the
    listed DRF ones, and from Django's catalogues only the msgids of interest."""
    catalogs = {}
    for localedir, family in FAMILIES.items():
        wanted = {"simplejwt": None, "drf": set(DRF_MSGIDS)}.get(family, set(interest))
        fam = {}
        for mo in sorted(glob.glob(os.path.join(localedir, "*", "LC_MESSAGES", "django.mo"))):
            locale_dir = mo.split(os.sep)[-3]
            msgs = mo_messages(mo)
            po = mo[:-3] + ".po"
            if os.path.exists(po) and family in ("simplejwt", "drf"):
                from_po = po_compiled(parse_po(po))
                if from_po != msgs:
                    print(f"warning: {po} and its .mo disagree; using the .mo", file=sys.stderr)
            if wanted is not None:
                msgs = {k: v for k, v in msgs.items() if k in wanted}
            if msgs:
                fam[locale_dir] = dict(sorted(msgs.items()))
        if fam:
            catalogs[family] = fam
    return catalogs


# --- Django's lookup order ------------------------------------------------------------------

def lookup_chain(language, catalogs):
    """Names ("family:locale dir") of the catalogues consulted for language, in order, keeping
    only catalogues that hold a message of interest."""
    out = []
    for family, locale_dir in _replay_translation(language):
        name = f"{family}:{locale_dir}"
        if locale_dir in catalogs.get(family, {}) and name not in out:
            out.append(name)
    return out


def _replay_translation(language):
    """Replay DjangoTranslation(language) and return the catalogues gettext consults, in order.

    Django merges the catalogue of django/conf/locale first, then each installed app's in
    reverse INSTALLED_APPS order (so the first app listed wins), then LOCALE_PATHS. Merged
    catalogues sharing a plural formula share one dict (later wins); a catalogue with a new
    plural formula is put in front of the others (TranslationCatalog.update). Less specific .mo
    files found by gettext.find (e.g. pt for pt_BR) become fallbacks, and every non-English
    language falls back to settings.LANGUAGE_CODE last.
    """
    from django.apps import apps
    from django.conf import settings
    from django.utils.translation import to_locale

    locale_dirs = [os.path.join(DIST, "django", "conf", "locale")]
    for app in reversed(list(apps.get_app_configs())):
        d = os.path.join(app.path, "locale")
        if os.path.exists(d):
            locale_dirs.append(d)
    locale_dirs.extend(reversed(settings.LOCALE_PATHS))

    layers, fallbacks = [], []  # layers: [plural code, [refs merged in order]]
    for d in locale_dirs:
        mofiles = gettext.find("django", d, [to_locale(language)], all=True)
        if not mofiles:
            continue
        first = load_mo(mofiles[0])
        if not first._catalog:
            continue
        ref = (FAMILIES[d], mofiles[0].split(os.sep)[-3])
        code = first.plural.__code__
        for layer in layers:
            if layer[0] == code:
                layer[1].append(ref)
                break
        else:
            layers.insert(0, [code, [ref]])
        fallbacks.extend((FAMILIES[d], m.split(os.sep)[-3]) for m in mofiles[1:])
    chain = [ref for _, refs in layers for ref in reversed(refs)] + fallbacks
    if language != settings.LANGUAGE_CODE and not language.startswith("en"):
        chain += _replay_translation(settings.LANGUAGE_CODE)
    return chain


def model_translate(message, chain, catalogs):
    for name in chain:
        family, locale_dir = name.split(":")
        if message in catalogs[family][locale_dir]:
            return catalogs[family][locale_dir][message]
    return message


# --- generation -----------------------------------------------------------------------------

def dump(obj):
    return json.dumps(obj, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def generate():
    configure_django()
    from django.conf import settings
    from django.conf.locale import LANG_INFO
    from django.middleware.locale import LocaleMiddleware
    from django.test import RequestFactory
    from django.utils import translation
    from django.utils.translation import trans_real

    interest = sorted(set(simplejwt_msgids()) | set(DRF_MSGIDS))
    catalogs = build_catalogs(interest)

    supported = [code for code, _ in settings.LANGUAGES]
    available = [code for code in supported if trans_real.check_for_language(code)]
    translated_codes = available + ([settings.LANGUAGE_CODE]
                                    if settings.LANGUAGE_CODE not in available else [])
    chains = {code: lookup_chain(code, catalogs) for code in translated_codes}

    # Ask Django for every translation and check the replayed lookup order against it.
    translations = {}
    for code in translated_codes:
        translation.activate(code)
        got = {msgid: str(translation.gettext(msgid)) for msgid in interest}
        translation.deactivate()
        for msgid, text in got.items():
            expected = model_translate(msgid, chains[code], catalogs)
            if expected != text:
                raise SystemExit(f"lookup model differs from Django for {code!r} {msgid!r}: "
                                 f"{expected!r} != {text!r}")
        translations[code] = got

    # Language negotiation exactly as LocaleMiddleware does it (no cookie, no path prefix).
    middleware = LocaleMiddleware(lambda request: None)
    factory = RequestFactory()
    negotiation = []
    for header in HEADER_SAMPLES:
        request = factory.get("/", HTTP_ACCEPT_LANGUAGE=header)
        middleware.process_request(request)
        chosen = translation.get_language()
        translation.deactivate()
        assert chosen == trans_real.get_language_from_request(request), header
        negotiation.append({"acceptLanguage": header, "language": chosen})

    languages = {
        "default": settings.LANGUAGE_CODE,
        "supported": supported,
        "available": available,
        "fallbacks": {k: v["fallback"] for k, v in sorted(LANG_INFO.items()) if "fallback" in v},
        "precedence": [
            "catalogues lists, per language code, the catalogues gettext consults, first hit wins",
            "apps merge in reverse INSTALLED_APPS order over Django's own catalogue: "
            + " > ".join(a.rsplit(".", 1)[-1] for a in INSTALLED_APPS) + " > django",
            "a catalogue whose plural formula differs from those merged before it is put in "
            "front, then less specific .mo files, then the default language's catalogues",
        ],
        "catalogues": chains,
    }
    vectors = {
        "django": "3.2",
        "negotiation": negotiation,
        "msgids": interest,
        "translations": translations,
    }
    return {OUT_CATALOGS: dump(catalogs), OUT_LANGUAGES: dump(languages),
            OUT_VECTORS: dump(vectors)}


def main(argv):
    check = "--check" in argv
    outputs = generate()
    stale = []
    for path, text in outputs.items():
        current = None
        if os.path.exists(path):
            with open(path, encoding="utf-8") as fh:
                current = fh.read()
        if current == text:
            continue
        stale.append(os.path.relpath(path, CORE))
        if not check:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w", encoding="utf-8", newline="\n") as fh:
                fh.write(text)
    if check:
        if stale:
            print("out of date: " + ", ".join(stale), file=sys.stderr)
            return 1
        print("locale files are up to date")
        return 0
    print("wrote " + (", ".join(stale) if stale else "nothing (already up to date)"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
