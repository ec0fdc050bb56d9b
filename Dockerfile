# xuke in a container: the same wheel the packaging test installs (tests/test_packaging.py),
# on python:3.11-slim, run as a user without privileges.
#
#   docker build -t xuke .
#   docker run --rm -v "$PWD:/work" xuke lint drafts/ --format sarif -o lint.sarif
#
# Build stage: the wheel, and the wheels of its dependencies (durable-rules builds from
# source, so the compiler stays in this stage).
FROM python:3.11-slim AS build
RUN apt-get update \
    && apt-get install -y --no-install-recommends gcc g++ make \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY setup.cfg setup.py pyproject.toml README.md cli.py ./
COPY engine/ engine/
COPY grammar/ grammar/
COPY rules/ rules/
RUN python -m pip wheel --no-cache-dir --wheel-dir /wheels .

FROM python:3.11-slim
RUN useradd --create-home --uid 10001 xuke
COPY --from=build /wheels /wheels
RUN python -m pip install --no-cache-dir --no-index --find-links /wheels xuke && rm -rf /wheels
USER xuke
WORKDIR /work
ENTRYPOINT ["xuke"]
CMD ["--help"]
