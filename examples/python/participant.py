#!/usr/bin/env python3
"""A saga participant service in Python, written from the contract in schemas/ alone.

It plays a reservation service: a pending command reserves, verify checks the reservation is
there, approve commits it and compensate releases it. Every command is applied at most once per
idempotency key (the answer is kept in SQLite with the effect, in one transaction), the reply goes
to the topic and partition the command names, and a command's offset is committed only after its
reply (or its dead letter) is delivered. See README.md for the options.
"""

from __future__ import annotations

import argparse
import base64
import json
import logging
import signal
import sqlite3
import sys
import time
from dataclasses import dataclass, field
from typing import Any, Callable

from confluent_kafka import Consumer, KafkaError, KafkaException, Message, Producer, TopicPartition

log = logging.getLogger("participant")

COMMAND_TYPE = "saga.participant.command"
REPLY_TYPE = "saga.participant.reply"
DEAD_LETTER_TYPE = "saga.dead-letter"
PHASES = ("pending", "verify", "approve", "compensate")


def now_millis() -> int:
    return int(time.time() * 1000)


# MARK: - The command contract (schemas/participant-command.v1.json)


class InvalidCommand(Exception):
    """A command that breaks its schema; the message is the dead letter's reason."""


def _is_int(value: Any) -> bool:
    # bool is an int in Python, never in JSON.
    return isinstance(value, int) and not isinstance(value, bool)


def _non_empty_string(value: Any) -> bool:
    return isinstance(value, str) and value != ""


# Each required field and the check its value must pass, with what the check means.
_FIELDS: dict[str, tuple[Callable[[Any], bool], str]] = {
    "sagaId": (_non_empty_string, "a non-empty string"),
    "sagaType": (_non_empty_string, "a non-empty string"),
    "sagaVersion": (lambda v: _is_int(v) and v >= 1, "an integer >= 1"),
    "step": (_non_empty_string, "a non-empty string"),
    "phase": (lambda v: v in PHASES, "one of " + ", ".join(PHASES)),
    "attempt": (lambda v: _is_int(v) and v >= 1, "an integer >= 1"),
    "idempotencyKey": (_non_empty_string, "a non-empty string"),
    "replyTo": (lambda v: isinstance(v, dict), "an object"),
    "payload": (lambda v: isinstance(v, dict), "an object"),
    "dependencyOutputs": (lambda v: isinstance(v, dict), "an object"),
    "deadline": (lambda v: _is_int(v) and v >= 0, "an integer >= 0 (epoch milliseconds)"),
}


def parse_command(value: bytes | None) -> dict[str, Any]:
    """Decodes and validates a participant command; raises InvalidCommand with the reason."""
    if value is None:
        raise InvalidCommand("a tombstone (no value) is not a command")
    try:
        document = json.loads(value.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise InvalidCommand(f"not a UTF-8 JSON document: {error}") from None
    if not isinstance(document, dict):
        raise InvalidCommand("not a JSON object")
    message_type = document.get("messageType")
    if message_type != COMMAND_TYPE:
        raise InvalidCommand(f"unexpected messageType {message_type!r} (expected {COMMAND_TYPE!r})")
    version = document.get("schemaVersion")
    if version != 1 or not _is_int(version):
        raise InvalidCommand(f"{COMMAND_TYPE}: unsupported schemaVersion {version!r} (this participant reads 1)")
    for name, (check, meaning) in _FIELDS.items():
        if name not in document:
            raise InvalidCommand(f"{COMMAND_TYPE}: missing field {name!r}")
        if not check(document[name]):
            raise InvalidCommand(f"{COMMAND_TYPE}: field {name!r} must be {meaning}, got {document[name]!r}")
    reply_to = document["replyTo"]
    if not _non_empty_string(reply_to.get("topic")):
        raise InvalidCommand(f"{COMMAND_TYPE}: field 'replyTo.topic' must be a non-empty string")
    partition = reply_to.get("partition")
    if not (_is_int(partition) and partition >= 0):
        raise InvalidCommand(f"{COMMAND_TYPE}: field 'replyTo.partition' must be an integer >= 0, got {partition!r}")
    return document


# MARK: - Behaviour


@dataclass(frozen=True)
class Answer:
    """The outcome of a command, as the reply carries it."""

    outcome: str  # succeeded, failed-retryable or rejected
    reason: str | None = None
    output: Any = None


@dataclass(frozen=True)
class RefusalRule:
    """Refuses the commands that match every condition given: `step=S`, `phase=P`, `payload.KEY=VALUE`."""

    step: str | None = None
    phase: str | None = None
    payload: dict[str, str] = field(default_factory=dict)

    @staticmethod
    def parse(text: str) -> "RefusalRule":
        step, phase, payload = None, None, {}
        for condition in filter(None, text.split(",")):
            name, equals, value = condition.partition("=")
            if not equals or not value:
                raise argparse.ArgumentTypeError(f"{condition!r} is not NAME=VALUE")
            if name == "step":
                step = value
            elif name == "phase":
                if value not in PHASES:
                    raise argparse.ArgumentTypeError(f"phase {value!r} is not one of {', '.join(PHASES)}")
                phase = value
            elif name.startswith("payload.") and len(name) > len("payload."):
                payload[name[len("payload."):]] = value
            else:
                raise argparse.ArgumentTypeError(f"unknown condition {name!r} (use step=, phase= or payload.KEY=)")
        if step is None and phase is None and not payload:
            raise argparse.ArgumentTypeError("a refusal rule needs at least one condition")
        return RefusalRule(step, phase, payload)

    def matches(self, command: dict[str, Any]) -> bool:
        if self.step is not None and command["step"] != self.step:
            return False
        if self.phase is not None and command["phase"] != self.phase:
            return False
        # Payload values are compared as text, so `payload.amount=10` matches 10 and "10".
        return all(_as_text(command["payload"].get(key)) == value for key, value in self.payload.items())

    def __str__(self) -> str:
        conditions = [f"step={self.step}"] * (self.step is not None) + [f"phase={self.phase}"] * (self.phase is not None)
        return ",".join(conditions + [f"payload.{k}={v}" for k, v in self.payload.items()])


def _as_text(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value)


# MARK: - The ledger: answers and effects, in SQLite


class Ledger:
    """Keeps each final answer by idempotency key, and the reservations the commands changed.

    An answer and the effect that produced it are written in one transaction, so a command is
    either applied and answered, or neither. Only final answers are kept (succeeded, rejected): the
    one retryable failure, the ledger itself failing, applies nothing.
    """

    def __init__(self, path: str) -> None:
        self.db = sqlite3.connect(path, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.executescript(
            """
            CREATE TABLE IF NOT EXISTS answers (
                idempotency_key TEXT PRIMARY KEY,
                outcome TEXT NOT NULL,
                reason TEXT,
                output TEXT,
                answered_at INTEGER NOT NULL
            );
            CREATE TABLE IF NOT EXISTS reservations (
                saga_id TEXT NOT NULL,
                step TEXT NOT NULL,
                state TEXT NOT NULL,          -- reserved, committed or released
                payload TEXT NOT NULL,
                PRIMARY KEY (saga_id, step)
            );
            -- One row per effect applied: what a duplicate command must never add to.
            CREATE TABLE IF NOT EXISTS effects (
                idempotency_key TEXT NOT NULL,
                change TEXT NOT NULL,
                applied_at INTEGER NOT NULL
            );
            """
        )

    def answer(self, command: dict[str, Any], refusals: list[RefusalRule]) -> tuple[Answer, bool]:
        """The answer kept for the command's key and True (a repeat), or else the command applied,
        its answer kept, and False; in one transaction, so instances sharing the file agree."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            row = self.db.execute(
                "SELECT outcome, reason, output FROM answers WHERE idempotency_key = ?", (command["idempotencyKey"],)
            ).fetchone()
            if row is not None:
                self.db.execute("ROLLBACK")
                return Answer(row[0], row[1], None if row[2] is None else json.loads(row[2])), True
            answer = self._decide(command, refusals)
            self.db.execute(
                "INSERT INTO answers (idempotency_key, outcome, reason, output, answered_at) VALUES (?, ?, ?, ?, ?)",
                (command["idempotencyKey"], answer.outcome, answer.reason,
                 None if answer.output is None else json.dumps(answer.output), now_millis()),
            )
            self.db.execute("COMMIT")
            return answer, False
        except BaseException:
            if self.db.in_transaction:
                self.db.execute("ROLLBACK")
            raise

    def _decide(self, command: dict[str, Any], refusals: list[RefusalRule]) -> Answer:
        saga_id, step, phase = command["sagaId"], command["step"], command["phase"]
        for rule in refusals:
            if rule.matches(command):
                return Answer("rejected", f"refused by rule {rule}")
        row = self.db.execute("SELECT state FROM reservations WHERE saga_id = ? AND step = ?", (saga_id, step)).fetchone()
        state = None if row is None else row[0]
        if phase == "pending":
            if state == "released":
                return Answer("rejected", f"step {step!r} of this saga was already compensated")
            if state is None:
                self.db.execute(
                    "INSERT INTO reservations (saga_id, step, state, payload) VALUES (?, ?, 'reserved', ?)",
                    (saga_id, step, json.dumps(command["payload"])),
                )
                self._record(command, "reserve")
            return Answer("succeeded", output={
                "reservation": f"py-{saga_id}-{step}",
                "handledBy": "python",
                "payload": command["payload"],
            })
        if phase == "verify":
            if state != "reserved":
                return Answer("rejected", f"nothing reserved for step {step!r} (state {state})")
            return Answer("succeeded")
        if phase == "approve":
            if state == "reserved":
                self.db.execute("UPDATE reservations SET state = 'committed' WHERE saga_id = ? AND step = ?", (saga_id, step))
                self._record(command, "commit")
            elif state != "committed":
                return Answer("rejected", f"nothing reserved to commit for step {step!r} (state {state})")
            return Answer("succeeded")
        # compensate: release what pending reserved. A reservation never made has nothing to undo,
        # but is marked released all the same, so a pending command arriving late reserves nothing.
        if state in ("reserved", "committed"):
            self.db.execute("UPDATE reservations SET state = 'released' WHERE saga_id = ? AND step = ?", (saga_id, step))
            self._record(command, "release")
            return Answer("succeeded", output={"released": True})
        if state is None:
            self.db.execute(
                "INSERT INTO reservations (saga_id, step, state, payload) VALUES (?, ?, 'released', 'null')", (saga_id, step)
            )
        return Answer("succeeded", output={"released": False})

    def _record(self, command: dict[str, Any], change: str) -> None:
        self.db.execute(
            "INSERT INTO effects (idempotency_key, change, applied_at) VALUES (?, ?, ?)",
            (command["idempotencyKey"], change, now_millis()),
        )

    def close(self) -> None:
        self.db.close()


# MARK: - Messages out


def reply_document(command: dict[str, Any], answer: Answer) -> dict[str, Any]:
    """The reply to `command` (schemas/participant-reply.v1.json): sagaId, step, phase, attempt copied."""
    document: dict[str, Any] = {
        "messageType": REPLY_TYPE,
        "schemaVersion": 1,
        "sagaId": command["sagaId"],
        "step": command["step"],
        "phase": command["phase"],
        "attempt": command["attempt"],
        "outcome": answer.outcome,
    }
    if answer.reason is not None:
        document["reason"] = answer.reason
    if answer.output is not None:
        document["output"] = answer.output
    return document


def dead_letter_document(message: Message, reason: str) -> dict[str, Any]:
    """The dead letter for `message` (schemas/dead-letter.v1.json)."""
    document: dict[str, Any] = {
        "messageType": DEAD_LETTER_TYPE,
        "schemaVersion": 1,
        "originalBase64": base64.b64encode(message.value() or b"").decode("ascii"),
        "topic": message.topic(),
        "partition": message.partition(),
        "offset": message.offset(),
        "reason": reason,
        "time": now_millis(),
    }
    if message.key() is not None:
        document["originalKeyBase64"] = base64.b64encode(message.key()).decode("ascii")
    return document


def headers(message_type: str, saga_id: str | None, traceparent: bytes | None) -> list[tuple[str, bytes]]:
    result = [("saga-message-type", message_type.encode()), ("content-type", b"application/json")]
    if saga_id is not None:
        result.append(("saga-id", saga_id.encode()))
    if traceparent is not None:
        result.append(("traceparent", traceparent))
    return result


def header(message: Message, name: str) -> bytes | None:
    return next((value for key, value in message.headers() or [] if key == name), None)


# MARK: - The service


class Participant:
    """Consumes commands, answers them once per idempotency key, commits after delivery."""

    def __init__(self, options: argparse.Namespace) -> None:
        common = {"bootstrap.servers": options.bootstrap_servers, "socket.nagle.disable": True}
        # -X properties come last: they can override any setting here.
        self.consumer = Consumer({
            **common,
            "group.id": options.group_id,
            "enable.auto.commit": False,
            "auto.offset.reset": "earliest",
            "fetch.wait.max.ms": options.fetch_wait_max_ms,
            "session.timeout.ms": options.session_timeout_ms,
            **options.properties,
        })
        self.producer = Producer({
            **common,
            "acks": "all",
            "enable.idempotence": True,
            "linger.ms": 1,
            # The Java client's partitioner: a keyed dead letter lands where Java would put it.
            "partitioner": "murmur2_random",
            **options.properties,
        })
        self.topics = options.topics
        self.dead_letter_topic = options.dead_letter_topic
        self.refusals = options.refuse
        self.ledger = Ledger(options.store)
        self.batch_size = options.batch_size
        self.stopping = False

    def run(self) -> None:
        self.consumer.subscribe(self.topics, on_assign=self._assigned, on_revoke=self._revoked)
        log.info("consuming %s", ",".join(self.topics))
        try:
            while not self.stopping:
                messages = self.consumer.consume(num_messages=self.batch_size, timeout=0.1)
                if messages:
                    self._handle_batch(messages)
        finally:
            log.info("stopping: leaving the group")
            self.producer.flush(10)
            self.consumer.close()
            self.ledger.close()

    def stop(self, signum: int, _frame: Any) -> None:
        log.info("got %s, finishing the current batch", signal.Signals(signum).name)
        self.stopping = True

    def _assigned(self, _consumer: Consumer, partitions: list[TopicPartition]) -> None:
        log.info("assigned %s", " ".join(f"{p.topic}[{p.partition}]" for p in partitions))

    def _revoked(self, _consumer: Consumer, partitions: list[TopicPartition]) -> None:
        log.info("revoked %s", " ".join(f"{p.topic}[{p.partition}]" for p in partitions))

    def _handle_batch(self, messages: list[Message]) -> None:
        deliveries: list[Delivery] = []
        for message in messages:
            error = message.error()
            if error is not None:
                if error.fatal():
                    raise KafkaException(error)
                log.warning("consumer: %s", error)
                continue
            deliveries.append(self._answer(message))
        self.producer.flush()
        # Whatever was not delivered gets one second chance: a reply that cannot be delivered (say,
        # replyTo names a partition that does not exist) sends its command to the dead letters, so
        # it never blocks its partition; a dead letter is sent again.
        second_chances = [delivery.fallback(delivery) for delivery in deliveries if not delivery.delivered]
        self.producer.flush()
        failed = next((delivery for delivery in second_chances if not delivery.delivered), None)
        if failed is not None:
            # Nothing is committed: after a restart these commands come again and get their kept answers.
            raise SystemExit(f"{failed.destination} not delivered: {failed.error}")
        self._commit(messages)

    def _answer(self, message: Message) -> "Delivery":
        try:
            command = parse_command(message.value())
        except InvalidCommand as invalid:
            log.warning("%s[%d]@%d to the dead letters: %s", message.topic(), message.partition(), message.offset(), invalid)
            return self._dead_letter(message, str(invalid))
        key, attempt = command["idempotencyKey"], command["attempt"]
        try:
            answer, repeat = self.ledger.answer(command, self.refusals)
        except sqlite3.Error as error:
            # Nothing was applied or kept: the orchestrator's retry gets a fresh try.
            answer, repeat = Answer("failed-retryable", f"ledger unavailable: {error}"), False
        if repeat:
            log.info("%s attempt %d: already answered %s, sending that answer again", key, attempt, answer.outcome)
        else:
            log.info("%s attempt %d: %s%s", key, attempt, answer.outcome, f" ({answer.reason})" if answer.reason else "")
        reply_to = command["replyTo"]
        return self._send(
            message, reply_to["topic"], reply_to["partition"], command["sagaId"].encode(),
            reply_document(command, answer), headers(REPLY_TYPE, command["sagaId"], header(message, "traceparent")),
            fallback=lambda failed: self._dead_letter(message, f"reply to {failed.destination} not delivered: {failed.error}"),
        )

    def _dead_letter(self, message: Message, reason: str) -> "Delivery":
        key = message.key()
        saga_id = key.decode("utf-8", errors="replace") if key is not None else None
        # The orchestrator names its dead-letter topic on every command; --dead-letter-topic is the
        # fallback for a message that does not (not one of the orchestrator's).
        named = header(message, "saga-dead-letter-topic")
        topic = named.decode("utf-8", errors="replace") if named else self.dead_letter_topic
        return self._send(message, topic, None, key, dead_letter_document(message, reason),
                          headers(DEAD_LETTER_TYPE, saga_id, header(message, "traceparent")))

    def _send(self, message: Message, topic: str, partition: int | None, key: bytes | None,
              document: dict[str, Any], message_headers: list[tuple[str, bytes]],
              fallback: Callable[["Delivery"], "Delivery"] | None = None) -> "Delivery":
        """Produces `document`; `fallback` is what to do when it is not delivered (default: send it again)."""
        resend = lambda _: self._send(message, topic, partition, key, document, message_headers)  # noqa: E731
        delivery = Delivery(message, f"{topic}[{'any' if partition is None else partition}]", fallback or resend)
        arguments: dict[str, Any] = {"key": key, "value": json.dumps(document).encode(), "headers": message_headers,
                                     "on_delivery": delivery.report}
        if partition is not None:
            arguments["partition"] = partition
        while True:
            try:
                self.producer.produce(topic, **arguments)
                break
            except BufferError:
                self.producer.poll(0.1)  # the local queue is full: serve delivery reports, try again
            except KafkaException as error:
                delivery.error = error.args[0].str()
                break
        self.producer.poll(0)
        return delivery

    def _commit(self, messages: list[Message]) -> None:
        next_offsets: dict[tuple[str, int], int] = {}
        for message in messages:
            if message.error() is None:
                position = (message.topic(), message.partition())
                next_offsets[position] = max(next_offsets.get(position, 0), message.offset() + 1)
        if not next_offsets:
            return
        try:
            self.consumer.commit(offsets=[TopicPartition(t, p, o) for (t, p), o in next_offsets.items()], asynchronous=False)
        except KafkaException as error:
            # Typically a rebalance: the new owner gets these commands again and the kept answers.
            log.warning("commit failed: %s", error.args[0])


@dataclass
class Delivery:
    """One message sent for a consumed one, and how its delivery went."""

    message: Message
    destination: str
    fallback: Callable[["Delivery"], "Delivery"]
    error: str | None = None
    delivered: bool = False

    def report(self, error: KafkaError | None, _message: Message) -> None:
        self.error = None if error is None else error.str()
        self.delivered = error is None
        if error is not None:
            log.warning("%s not delivered: %s", self.destination, self.error)


# MARK: - Command line


def parse_options(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="participant.py",
        description="A saga participant (reservation service) that follows schemas/ of the saga orchestrator.",
    )
    parser.add_argument("--bootstrap-servers", required=True, metavar="HOST:PORT[,...]", help="the Kafka cluster to connect to")
    parser.add_argument("--topic", dest="topics", action="append", required=True, metavar="TOPIC",
                        help="a command topic to consume (repeat for several)")
    parser.add_argument("--group-id", required=True, metavar="ID", help="this participant's consumer group")
    parser.add_argument("--dead-letter-topic", default="saga.dead-letters", metavar="TOPIC",
                        help="where malformed commands go (default: %(default)s)")
    parser.add_argument("--store", default=":memory:", metavar="FILE",
                        help="SQLite file for answers and reservations (default: in memory, lost at exit)")
    parser.add_argument("--refuse", action="append", default=[], type=RefusalRule.parse, metavar="RULE",
                        help="reject the commands matching RULE: comma-separated step=S, phase=P, payload.KEY=VALUE "
                             "(all must match; repeat for several rules)")
    parser.add_argument("--fetch-wait-max-ms", type=int, default=500, metavar="MS",
                        help="consumer fetch.wait.max.ms (default: %(default)s; use 5 against the embedded broker)")
    parser.add_argument("--session-timeout-ms", type=int, default=45000, metavar="MS",
                        help="consumer group session.timeout.ms (default: %(default)s; use 6000 against the embedded broker)")
    parser.add_argument("--batch-size", type=int, default=100, metavar="N", help="commands per poll (default: %(default)s)")
    parser.add_argument("-X", dest="properties", action="append", default=[], type=_property, metavar="KEY=VALUE",
                        help="a librdkafka property for both clients (repeatable)")
    parser.add_argument("--log-level", default="info", choices=["debug", "info", "warning", "error"])
    options = parser.parse_args(argv)
    options.properties = dict(options.properties)
    if options.batch_size < 1:
        parser.error("--batch-size must be at least 1")
    return options


def _property(text: str) -> tuple[str, str]:
    key, equals, value = text.partition("=")
    if not equals or not key:
        raise argparse.ArgumentTypeError(f"{text!r} is not KEY=VALUE")
    return key, value


def main(argv: list[str]) -> int:
    options = parse_options(argv)
    logging.basicConfig(level=options.log_level.upper(), stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        participant = Participant(options)
    except (KafkaException, sqlite3.Error) as error:
        log.error("cannot start: %s", error)
        return 1
    signal.signal(signal.SIGTERM, participant.stop)
    signal.signal(signal.SIGINT, participant.stop)
    # A parent may start us with these blocked (a blocked signal stays pending, its handler never runs).
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT})
    participant.run()
    log.info("stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
