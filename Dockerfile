# syntax=docker/dockerfile:1
# The `saga` image: the orchestrator, the operator commands and the example participants.
#   docker build -t saga:0.1.0 .
#   docker run --rm saga:0.1.0 orchestrator --help
# The build stage compiles a release binary with the Swift standard library and Foundation linked
# in (--static-swift-stdlib), so the runtime stage needs only Debian's shared libraries:
# librdkafka, SQLite, and what the static Swift runtime links against (libstdc++, libgcc, libc),
# which bookworm-slim already has. Tests/SagaCLITests/DockerfileTests.swift checks that every
# library the binary needs comes from a package installed below or from the base image.

FROM swift:6.3-bookworm AS build
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends librdkafka-dev libsqlite3-dev pkg-config \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN --mount=type=cache,target=/src/.build \
    swift build -c release --product saga --static-swift-stdlib \
    && bin="$(swift build -c release --product saga --static-swift-stdlib --show-bin-path)" \
    && install -D -m 0755 "$bin/saga" /out/saga \
    && cp -R "$bin/saga-orchestrator_SagaHTTP.resources" /out/

FROM debian:bookworm-slim
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        librdkafka1 \
        libsqlite3-0 \
        ca-certificates \
        tzdata \
    && rm -rf /var/lib/apt/lists/*
RUN groupadd --system --gid 10001 saga \
    && useradd --system --uid 10001 --gid saga --home-dir /var/lib/saga --create-home --shell /usr/sbin/nologin saga
COPY --from=build /out/saga /usr/local/bin/saga
# The console's page, script and styles: the server looks for them beside the executable.
COPY --from=build /out/saga-orchestrator_SagaHTTP.resources /usr/local/bin/saga-orchestrator_SagaHTTP.resources
COPY examples/definitions /etc/saga/examples
# /health, /ready and /metrics on every interface (they need no token); the API and console stay
# on loopback (127.0.0.1:8080) unless --http says otherwise.
ENV SAGA_OPS_HTTP=0.0.0.0:9090 \
    SAGA_STORE=sqlite:/var/lib/saga/saga.sqlite
USER 10001:10001
WORKDIR /var/lib/saga
VOLUME ["/var/lib/saga"]
EXPOSE 9090
# bash's /dev/tcp instead of curl: nothing more to install. Participants (saga participant example)
# serve no HTTP: give them their own check (`--ready-file FILE` and `test -f FILE`).
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
    CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/9090 && printf 'GET /health HTTP/1.0\\r\\nHost: localhost\\r\\n\\r\\n' >&3 && head -n 1 <&3 | grep -q ' 200 '"]
ENTRYPOINT ["saga"]
CMD ["orchestrator", "--help"]
