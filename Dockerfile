# digest in a container: `docker build -t digest .` then
# `docker run --rm -v "$PWD/outbox:/app/outbox" digest build --since 2021-01-01`
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app

COPY pyproject.toml README.md hatch_build.py ./
COPY src ./src
COPY templates ./templates
# The workers extra: PostgreSQL and its task queue (compose.yaml runs digest worker). The
# key point's modules are compiled with mypyc (hatch_build.py) by a C compiler installed
# for this step and removed after it (the slim image has none).
RUN apt-get update && apt-get install -y --no-install-recommends gcc libc6-dev \
    && pip install --no-cache-dir '.[workers]' \
    && apt-get purge -y --auto-remove gcc libc6-dev && rm -rf /var/lib/apt/lists/*

COPY digest.toml themes.toml ./
COPY sources ./sources

RUN useradd --create-home --uid 10001 digest && mkdir -p outbox && chown digest:digest /app /app/outbox
USER digest
# simplemma's dictionaries built once into the image's cache folder (digest.lemmata), so
# that every container loads them in milliseconds instead of decoding them.
RUN python -c "from digest.rank.text import lemmas; [lemmas('mot', lang) for lang in ('fr', 'nl', 'en', 'de')]"

ENTRYPOINT ["digest"]
CMD ["build", "--since", "2021-01-01"]
