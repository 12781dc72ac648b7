extension SQLiteSagaStore {
    public func saga(id: String) async throws -> SagaRecord? {
        try await readWorker.run { connection in
            try connection.withStatement("SELECT \(Self.sagaColumns) FROM sagas WHERE id = ?") {
                try $0.bind(id, at: 1)
                return try $0.step() ? Self.saga(from: $0) : nil
            }
        }
    }

    public func sagas(ids: [String]) async throws -> [String: SagaRecord] {
        guard !ids.isEmpty else { return [:] }
        return try await worker.run { connection in
            try connection.transaction(immediate: false) {
                try connection.withStatement("SELECT \(Self.sagaColumns) FROM sagas WHERE id = ?") { select in
                    var found: [String: SagaRecord] = [:]
                    for id in ids {
                        select.reset()
                        try select.bind(id, at: 1)
                        if try select.step() { found[id] = Self.saga(from: select) }
                    }
                    return found
                }
            }
        }
    }

    public func sagaIDs(startingWith prefix: String, limit: Int) async throws -> [String] {
        guard limit > 0 else { return [] }
        // A range on the primary key (byte order): every id that starts with the prefix sorts at
        // or after it and before it followed by U+10FFFF, whose UTF-8 bytes no valid text exceeds.
        return try await readWorker.run { connection in
            try connection.withStatement("SELECT id FROM sagas WHERE id >= ? AND id < ? ORDER BY id LIMIT ?") { select in
                try select.bind(prefix, at: 1)
                try select.bind(prefix + "\u{10FFFF}", at: 2)
                try select.bind(Int64(limit), at: 3)
                var ids: [String] = []
                while try select.step() {
                    let id = select.string(0)
                    if id.hasPrefix(prefix) { ids.append(id) }
                }
                return ids
            }
        }
    }

    public func listSagas(_ query: SagaQuery) async throws -> [SagaRecord] {
        guard query.limit > 0 else { return [] }
        let statuses = query.statuses.sorted()
        var conditions: [String] = []
        if !statuses.isEmpty {
            conditions.append("status IN (\(Array(repeating: "?", count: statuses.count).joined(separator: ", ")))")
        }
        if query.type != nil { conditions.append("type = ?") }
        if query.businessKey != nil { conditions.append("business_key = ?") }
        if query.idPrefix != nil { conditions.append("substr(id, 1, ?) = ?") }
        let direction = query.order.isNewestFirst ? "DESC" : "ASC"
        let beyond = query.order.isNewestFirst ? "<" : ">"
        // Active sagas through sagas_active, finished ones through sagas_finished (where
        // finished_at is the update time), then merged.
        func sql(_ part: String, orderedBy column: String) -> String {
            let page = query.after == nil ? [] : ["(\(column) \(beyond) ? OR (\(column) = ? AND id \(beyond) ?))"]
            return """
            SELECT \(Self.sagaColumns) FROM sagas WHERE \(([part] + conditions + page).joined(separator: " AND "))
            ORDER BY \(column) \(direction), id \(direction) LIMIT ?
            """
        }
        let parts = [sql("is_terminal = 0", orderedBy: "updated_at"), sql("finished_at IS NOT NULL", orderedBy: "finished_at")]
        let found = try await readWorker.run { connection in
            try connection.transaction(immediate: false) {
                try parts.map { sql in
                    try connection.withStatement(sql) { select in
                        var index: Int32 = 1
                        for status in statuses {
                            try select.bind(status, at: index)
                            index += 1
                        }
                        if let type = query.type {
                            try select.bind(type, at: index)
                            index += 1
                        }
                        if let businessKey = query.businessKey {
                            try select.bind(businessKey, at: index)
                            index += 1
                        }
                        if let prefix = query.idPrefix {
                            try select.bind(Int64(prefix.count), at: index)
                            try select.bind(prefix, at: index + 1)
                            index += 2
                        }
                        if let after = query.after {
                            try select.bind(after.updatedAt, at: index)
                            try select.bind(after.updatedAt, at: index + 1)
                            try select.bind(after.id, at: index + 2)
                            index += 3
                        }
                        try select.bind(Int64(query.limit), at: index)
                        var sagas: [SagaRecord] = []
                        while try select.step() { sagas.append(Self.saga(from: select)) }
                        return sagas
                    }
                }
            }
        }
        return query.merged(found[0], found[1])
    }

    public func countSagasByStatus() async throws -> [String: Int] {
        try await readWorker.run { connection in
            try connection.withStatement("SELECT status, count(*) FROM sagas GROUP BY status") { select in
                var counts: [String: Int] = [:]
                while try select.step() { counts[select.string(0)] = Int(select.int64(1)) }
                return counts
            }
        }
    }

    public func sagaIDs(forStartKeys keys: [StartKey]) async throws -> [StartKey: String] {
        guard !keys.isEmpty else { return [:] }
        return try await worker.run { connection in
            try connection.transaction(immediate: false) {
                var found: [StartKey: String] = [:]
                for key in keys {
                    found[key] = try Self.sagaID(for: key, on: connection)
                }
                return found
            }
        }
    }
}
