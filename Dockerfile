# The orchestrator's image: Java 17, the PostgreSQL client tools of the server's major
# version, a UTF-8 locale, a non-root user. Build it with scripts/stack.sh (or
# `docker-compose build llm-backup`) after `mvn package`.
#
# No registry needed: BASE defaults to an image made locally by scripts/base-image.sh
# (debootstrap, with Java and the client tools already in it). Where a registry is reachable,
# `--build-arg BASE=debian:bookworm-slim` builds the same image: the packages are then
# installed here. PG_MAJOR must be the web app's PostgreSQL server's major version
# (pg_dump refuses servers newer than itself); a base without postgresql-client-PG_MAJOR in
# its apt sources needs the PGDG repository added first.
ARG BASE=llm-backup/orchestrator-base:1
FROM ${BASE}
ARG PG_MAJOR=15
# the user's id; the Docker socket's group is added when the container runs
# (compose: group_add DOCKER_GID; docker run: --group-add "$(stat -c %g /var/run/docker.sock)")
ARG UID=10001
# file names are read as UTF-8 only with a UTF-8 locale (llm-backup refuses to start otherwise)
ENV LANG=C.UTF-8 LC_ALL=C.UTF-8
RUN set -eu; \
    if ! command -v java >/dev/null || ! command -v restic >/dev/null || [ ! -x "/usr/lib/postgresql/$PG_MAJOR/bin/pg_dump" ]; then \
      apt-get update; \
      DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        openjdk-17-jre-headless "postgresql-client-$PG_MAJOR" ca-certificates restic openssh-client; \
      rm -rf /var/lib/apt/lists/*; \
    fi; \
    "/usr/lib/postgresql/$PG_MAJOR/bin/pg_dump" --version; \
    # written directly: a debootstrap minbase root has no useradd
    echo "llm-backup:x:$UID:" >> /etc/group; \
    echo "llm-backup:x:$UID:$UID:llm-backup:/opt/llm-backup:/usr/sbin/nologin" >> /etc/passwd; \
    mkdir -p /opt/llm-backup/data /backup /uploads /var/log/llm-backup; \
    chown llm-backup:llm-backup /opt/llm-backup /opt/llm-backup/data /backup /uploads /var/log/llm-backup; \
    chmod 700 /backup /opt/llm-backup/data
COPY target/llm-backup.jar /opt/llm-backup/llm-backup.jar
ENV BACKUP_POSTGRES_BIN_DIR=/usr/lib/postgresql/${PG_MAJOR}/bin \
    BACKUP_ROOT=/backup \
    BACKUP_UPLOADS_DIR=/uploads \
    BACKUP_LOG_FILE=/var/log/llm-backup/llm-backup.log
USER llm-backup
WORKDIR /opt/llm-backup
# the documented heap (docs/configuration.md, "Heap"): 256 MB serve a million uploads; an operator's own
# JAVA_TOOL_OPTIONS (docker run -e) replaces it
ENV JAVA_TOOL_OPTIONS=-Xmx256m
ENTRYPOINT ["java", "-jar", "/opt/llm-backup/llm-backup.jar"]
