import Foundation
import SagaTestKit

/// Reads a Server-Sent Events stream with Python's http.client (URLSession on Linux cannot hand
/// over a body as it arrives): up to `count` events, or what came within `timeout`.
struct SSEReader {
    struct Event {
        var id: String?
        var event: String?
        var data: String
        /// `data` as a JSON object.
        var json: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(data.utf8))) as? [String: Any] ?? [:] }
    }

    struct Answer {
        var status: Int
        var contentType: String?
        var events: [Event]
        var body: String?
    }

    private static let script = """
        import sys, json, http.client, time, socket
        host, port, path, want, timeout, last = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), float(sys.argv[5]), sys.argv[6]
        conn = http.client.HTTPConnection(host, port, timeout=timeout)
        headers = {"Accept": "text/event-stream"}
        if last:
            headers["Last-Event-ID"] = last
        conn.request("GET", path, headers=headers)
        r = conn.getresponse()
        out = {"status": r.status, "contentType": r.getheader("Content-Type"), "events": []}
        if r.status != 200:
            out["body"] = r.read().decode()
        else:
            deadline = time.time() + timeout
            ev = {}
            try:
                while len(out["events"]) < want and time.time() < deadline:
                    line = r.readline()
                    if not line:
                        break
                    line = line.decode().rstrip("\\n")
                    if line == "":
                        if "data" in ev:
                            out["events"].append(ev)
                        ev = {}
                    elif line.startswith(":"):
                        continue
                    else:
                        key, _, value = line.partition(":")
                        ev[key] = value[1:] if value.startswith(" ") else value
            except (socket.timeout, TimeoutError):
                pass
        print(json.dumps(out))
        """

    /// Opens `path` on `port` and reads.
    static func read(port: Int, path: String, count: Int, timeout: Duration, lastEventID: String? = nil) async throws -> Answer {
        let seconds = Double(timeout.components.seconds)
        let (status, output) = try await runProgram(
            ["python3", "-c", script, "127.0.0.1", "\(port)", path, "\(count)", "\(seconds)", lastEventID ?? ""],
            timeout: timeout + .seconds(30)
        )
        guard status == 0, let line = output.split(separator: "\n").last,
              let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
        else { throw TestFailure("the SSE reader failed: \(output)") }
        let events = (object["events"] as? [[String: String]] ?? []).map { Event(id: $0["id"], event: $0["event"], data: $0["data"] ?? "") }
        return Answer(status: object["status"] as? Int ?? 0, contentType: object["contentType"] as? String, events: events, body: object["body"] as? String)
    }
}
