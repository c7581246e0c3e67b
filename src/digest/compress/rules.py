"""The rules of :mod:`digest.compress`: what each language's connectives, attribution
tails, asides and datelines look like, as word lists and regular expressions.
"""

from __future__ import annotations

import re

WORD = re.compile(r"\w+")
FINAL = re.compile(r"[.!?…]+[\"'»”’)\]]*$")
QUOTES = '«»“”"„'
FIRST_PERSON = {
    "fr": r"je|j|nous|me|m|mon|ma|mes|notre|nos|vous|votre|vos",
    "nl": r"ik|wij|we|ons|onze|mijn|me|mij|jullie",
    "en": r"i|we|us|our|ours|my|me|you|your",
    "de": r"ich|wir|uns|unser|unsere|unseren|unserer|mein|meine|mir|mich|ihr|euch",
}
# German reported speech in the subjunctive ("Die Lage sei ernst, sagte er.") cannot lose
# its speaker: alone it would still say "someone says so", without saying who.
SUBJUNCTIVE = re.compile(
    r"\b(?:sei|seien|habe|werde|könne|müsse|solle|wolle|dürfe|gebe|liege|fehle|gehe|"
    r"komme|stehe|bleibe|wisse|wolle|brauche|arbeite|plane|rechne)\b"
)
FIRST_PERSON_RE = {
    lang: re.compile(rf"(?<![\w-])(?:{words})(?![\w-])", re.IGNORECASE)
    for lang, words in FIRST_PERSON.items()
}

# --- Datelines ---------------------------------------------------------------------------

# "DEN HAAG (ANP) - ", "LOS ANGELES - ", "LONDON, Sept 28 (Reuters) – ", "(Reuters) - ",
# "LA HAYE – ", "'S-HERTOGENBOSCH - ": where the story was written, not what it says. A
# two-letter word only starts one when another capitals word follows ("US - China" stays).
CAPS = "A-ZÀ-ÖØ-Þ"
DATELINE = re.compile(
    rf"^(?:(?:[{CAPS}'’][{CAPS}'’.-]{{2,}}|[{CAPS}]{{2}}(?=\s[{CAPS}]{{2}}))"
    rf"(?:\s[{CAPS}][{CAPS}'’.-]+){{0,3}}"
    rf"(?:,\s[\w .]{{1,20}}?)?(?:\s\([\w /.-]{{2,20}}\))?|\([\w /.-]{{2,20}}\))\s[-–—]\s"
)

# --- Leading connectives -----------------------------------------------------------------

# Followed by a comma; dropping them with it leaves the sentence intact.
CONNECTIVES_COMMA = {
    "fr": """par ailleurs|en outre|de plus|en effet|d'autre part|dans le même temps|
        pour rappel|toutefois|cependant|néanmoins|pourtant|enfin|ainsi|également|
        de son côté|de leur côté|à noter que|or""",
    "en": """moreover|furthermore|in addition|additionally|meanwhile|however|also|
        separately|besides|still|nevertheless|indeed|in fact|at the same time""",
    "nl": """bovendien|daarnaast|verder|echter|intussen|ondertussen|tegelijkertijd|
        overigens|wel|daarbij|ook""",
    "de": """außerdem|zudem|darüber hinaus|ferner|überdies|allerdings|indes|jedoch|
        unterdessen""",
}
# Followed directly by the rest of the sentence (no verb-second inversion in fr/en).
CONNECTIVES_BARE = {
    "fr": "mais|et|or",
    "en": "but|and|also",
    "nl": "",
    "de": "",
}
# Verb-second languages: connective + finite verb + subject ...
CONNECTIVES_V2 = {
    "nl": """bovendien|daarnaast|verder|daarbij|intussen|ondertussen|tegelijkertijd|
        overigens|tevens""",
    "de": "außerdem|zudem|darüber hinaus|ferner|überdies|allerdings|indes|unterdessen",
}
# Subjects whose end is certain: personal pronouns, "er"/"es" ...
PRONOUNS = {
    "nl": {"hij", "zij", "ze", "er", "men", "u", "we", "wij"},
    "de": {"er", "sie", "es", "man", "wir"},
}
ARTICLES = {
    "nl": {"de", "het", "een"},
    "de": {"der", "die", "das", "ein", "eine", "dieser", "diese", "dieses"},
}
# Dutch nouns are lower case: the word after article + noun must be one that cannot
# continue a noun phrase. Prepositions are left out: "de man met het mes" is one phrase.
NL_AFTER_SUBJECT = set(
    """een de het niet nog al ook geen zich er te zo wel dan nu daar hier dit dat deze
    die zijn haar hun volgens vorig vorige vandaag gisteren morgen maandag dinsdag
    woensdag donderdag vrijdag zaterdag zondag jaarlijks extra meer minder""".split()
)
# German: a preposition after the noun may belong to it ("die Mieten in Berlin").
DE_PREPOSITIONS = set(
    """in im an am auf aus bei beim mit nach von vom zu zum zur für gegen ohne um über
    unter vor hinter neben zwischen seit durch bis ab wegen trotz""".split()
)
NOT_VERB = {
    "nl": set("de het een ook niet die dat dit deze er zo".split()),
    "de": set("der die das ein eine auch nicht es sich so".split()),
}

# --- Attribution tails -----------------------------------------------------------------

# A tail after the last ", " up to the final punctuation; no comma, quote or colon in it.
# Verbs of saying are followed by their subject (the inversion of reported speech):
# ", ont confirmé qu'ils ..." or ", zegt niets" continue the sentence instead.
FR_SUBJECT = (
    r"(?=(?:le|la|les|l'|l’|un|une|des|son|sa|ses|leur|leurs|ce|cette|M\.|Mme)\s?|[A-ZÀ-Ý])"
)
NL_SUBJECT = r"(?=(?:de|het|een|hij|zij|ze|men|zijn|haar|hun|deze|dit|die)\s|[A-Z])"
DE_SUBJECT = r"(?=(?:der|die|das|ein|eine|einer|er|sie|es|man|dessen|deren)\s|[A-ZÄÖÜ])"
EN_SUBJECT = r"(?=(?:the|a|an|his|her|their|its)\s|[A-Z])"
# Each: the start of an attribution tail, after the last ", " of the sentence.
TAIL_HEADS = {
    "fr": rf"""(?:a|ont|avait|avaient|aurait|auraient)-t?-?(?:il|elle|ils|elles|on)\b
        |\w+-t-(?:il|elle|on)\b|\w+(?:ent)?-(?:ils|elles)\b
        |selon\s|d'après\s|d’après\s
        |(?:a|ont|avait)\s(?:indiqué|déclaré|précisé|affirmé|annoncé|expliqué|rapporté|
            confirmé|assuré|souligné|ajouté|estimé|révélé|appris|fait\ssavoir|relevé)\s
            {FR_SUBJECT}
        |(?:rapporte|rapportent|indique|indiquent|précise|précisent|affirme|affirment|
            explique|expliquent|annonce|annoncent|souligne|soulignent|révèle|révèlent|
            écrit|écrivent|assure|assurent|confirme|confirment|estime|estiment|
            ajoute|ajoutent|note|notent|détaille|détaillent)\s{FR_SUBJECT}""",
    "nl": rf"""(?:aldus|volgens|zo)\s
        |(?:zei|zegt|zeggen|zeiden|meldt|melden|meldde|meldden|schrijft|schreef|
            verklaarde|verklaart|stelt|stelde|benadrukte|benadrukt|vertelde|vertelt|
            bevestigde|bevestigt|liet|laat|reageerde|reageert|concludeert|concludeerde|
            waarschuwde|waarschuwt|meent|vindt|denkt)\s{NL_SUBJECT}""",
    "en": rf"""(?:according\sto|(?:said|says)\s{EN_SUBJECT}
            |(?!(?:which|who|whom|whose|that|but|and|or|as|while|when|because|although|
                though|if|so|where|after|before|until|since|even|what|how)\b)
            [\w.'’-]+(?:\s[\w.'’-]+){{0,4}}?\s(?:said|says|told|added|wrote|reported|
            confirmed|announced|explained|noted|warned|stated))\b""",
    "de": rf"""(?:so|laut)\s
        |(?:sagte|sagt|sagten|erklärte|erklärt|betonte|betont|teilte|teilt|berichtet|
            berichtete|berichten|berichteten|schreibt|schrieb|meldet|meldete|hieß|heißt|
            bestätigte|warnte|warnt|kündigte|räumte|verlautete|ergänzte|fügte)\s
            {DE_SUBJECT}
        |wie\s(?:[\w-]+\s){{1,5}}(?:mitteilte|mitteilten|berichtete|berichteten|sagte|
            erklärte|bestätigte|meldete|ankündigte)\b""",
}
# A tail that reports a content clause ("..., a confirmé que ...") is not a tail.
CONTENT_CLAUSE = re.compile(r"\b(?:que|qu['’]|that|dat|dass|ob)\b", re.IGNORECASE)
# A head whose last part opens with a relative pronoun is a subject still waiting for
# its verb: "Les analyses, qui ont été réalisées hier, ont confirmé ...".
RELATIVE = re.compile(
    r"^(?:qui|que|qu['’]|dont|où|lequel|laquelle|lesquels|lesquelles|die|dat|wat|waar|"
    r"der|die|das|welche|welcher|which|who|whom|whose|that|where)\b",
    re.IGNORECASE,
)
TAIL = {
    lang: re.compile(
        rf",\s(?P<tail>(?:{heads})[^,;:«»“”\"„]*?)(?P<end>{FINAL.pattern})",
        re.VERBOSE,
    )
    for lang, heads in TAIL_HEADS.items()
}
# A tail longer than this is more than an attribution ("selon un rapport publié ...").
MAX_TAIL_WORDS = 12

# --- Asides ------------------------------------------------------------------------------

PARENTHESIS = re.compile(r"\s\([^()«»“”\"„]{1,120}\)(?=[\s,.;:!?…])")
DASHES = re.compile(
    r"\s[–—]\s[^–—()«»“”\"„]{2,120}?\s[–—](?=\s)|\s-\s[^-()«»“”\"„]{2,120}?\s-(?=\s)"
)


def count_words(text: str) -> int:
    """Words as ROUGE counts them: ``\\w+`` tokens."""
    return len(WORD.findall(text))
