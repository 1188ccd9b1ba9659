// JinjaInterpreter+Calls: calling things: the globals chat templates use (range, namespace,
// raise_exception, strftime_now, dict), macros, and the Python methods of str and dict that
// templates call (strip, split, startswith, replace, items, get, ...). Lists are immutable, as in
// transformers' ImmutableSandboxedEnvironment. Not here: filters.
import Foundation

extension JinjaInterpreter {
    /// Jinja2's default globals plus transformers' two. cycler, joiner and lipsum exist (so
    /// `is defined` holds as in Jinja2) but calling them is `.unsupported`.
    static let builtinNames: Set<String> = [
        "range", "namespace", "raise_exception", "strftime_now", "dict", "cycler", "joiner", "lipsum",
    ]
    static let dictMethods: Set<String> = ["items", "keys", "values", "get"]
    static let listMethods: Set<String> = [
        "append", "pop", "insert", "extend", "remove", "clear", "sort", "reverse", "index", "count",
    ]
    static let stringMethods: Set<String> = [
        "strip", "lstrip", "rstrip", "split", "rsplit", "splitlines", "startswith", "endswith", "replace", "upper",
        "lower",
        "title", "capitalize", "find", "rfind", "count", "join", "isdigit", "isalpha", "isalnum", "isspace", "islower",
        "isupper", "format",
    ]

    func call(
        _ function: JinjaRuntimeValue, args: [JinjaRuntimeValue], kwargs: [(String, JinjaRuntimeValue)],
        at position: JinjaPosition
    ) throws(ChatTemplateError) -> JinjaRuntimeValue {
        switch function {
        case .builtin(let name):
            return try callBuiltin(name, args: args, kwargs: kwargs, at: position)
        case .macro(let macro):
            return try callMacro(macro, args: args, kwargs: kwargs, at: position)
        case .method(let receiver, let name):
            switch receiver {
            case .string(let s): return try callStringMethod(s, name, args: args, kwargs: kwargs, at: position)
            case .dict(let d): return try callDictMethod(d, name, args: args, at: position)
            case .int(let iteration) where name == "cycle":
                // loop.cycle(a, b, ...): the argument for this iteration, round-robin.
                guard !args.isEmpty else { throw .runtime("loop.cycle() needs at least one argument", at: position) }
                return args[iteration % args.count]
            default:
                if ["index", "count"].contains(name) { throw .unsupported("the list method '\(name)'", at: position) }
                throw .runtime("lists are immutable in chat templates: '\(name)' is not allowed", at: position)
            }
        case .undefined(let what):
            throw .runtime("\(what) (called as a function)", at: position)
        default:
            throw .runtime("'\(function.typeName)' object is not callable", at: position)
        }
    }

    private func callBuiltin(
        _ name: String, args: [JinjaRuntimeValue], kwargs: [(String, JinjaRuntimeValue)], at position: JinjaPosition
    ) throws(ChatTemplateError) -> JinjaRuntimeValue {
        switch name {
        case "raise_exception":
            throw .raised(args.first?.pythonString ?? kwargs.first?.1.pythonString ?? "")
        case "range":
            var bounds: [Int] = []
            for a in args {
                guard let i = a.integerIndex else {
                    throw typeError("range() arguments must be integers, not '\(a.typeName)'", a, at: position)
                }
                bounds.append(i)
            }
            let (start, stop, step): (Int, Int, Int)
            switch bounds.count {
            case 1: (start, stop, step) = (0, bounds[0], 1)
            case 2: (start, stop, step) = (bounds[0], bounds[1], 1)
            case 3: (start, stop, step) = (bounds[0], bounds[1], bounds[2])
            default: throw .runtime("range() takes 1 to 3 arguments, got \(bounds.count)", at: position)
            }
            guard step != 0 else { throw .runtime("range() step must not be zero", at: position) }
            // Count in UInt so that extreme bounds cannot overflow; values wrap back into range.
            let ascending = step > 0
            guard ascending ? start < stop : start > stop else { return .array([]) }
            let span = ascending ? UInt(bitPattern: stop &- start) : UInt(bitPattern: start &- stop)
            let count = (span - 1) / step.magnitude + 1
            guard count <= UInt(limits.maxSequenceLength) else {
                throw .limit("range() longer than \(limits.maxSequenceLength) items", at: position)
            }
            return .array((0..<Int(count)).map { .int(start &+ $0 &* step) })
        case "namespace", "dict":
            var values = JinjaRuntimeDict()
            for a in args {
                guard case .dict(let d) = a else {
                    throw .runtime("\(name)() positional argument must be a dict", at: position)
                }
                for (k, v) in d.pairs { values[k] = v }
            }
            for (k, v) in kwargs { values[k] = v }
            try checkValueDepth(.dict(values), at: position)
            return name == "dict" ? .dict(values) : .namespace(JinjaNamespace(values))
        case "strftime_now":
            guard case .string(let format) = args.first else {
                throw .runtime("strftime_now() needs a format string", at: position)
            }
            return .string(Self.strftime(format, now))
        default:
            throw .unsupported("the global function '\(name)'", at: position)
        }
    }

    private func callDictMethod(
        _ d: JinjaRuntimeDict, _ name: String, args: [JinjaRuntimeValue], at position: JinjaPosition
    ) throws(ChatTemplateError) -> JinjaRuntimeValue {
        switch name {
        case "items": return .array(d.pairs.map { .tuple([.string($0.0), $0.1]) })
        case "keys": return .array(d.keys.map { .string($0) })
        case "values": return .array(d.values)
        default:
            guard let key = args.first else { throw .runtime("dict.get() needs a key", at: position) }
            if case .string(let k) = key, let found = d[k] { return found }
            return args.count > 1 ? args[1] : .none
        }
    }

    private func callStringMethod(
        _ s: String, _ name: String, args: [JinjaRuntimeValue], kwargs: [(String, JinjaRuntimeValue)],
        at position: JinjaPosition
    ) throws(ChatTemplateError) -> JinjaRuntimeValue {
        func stringArg(_ i: Int, _ label: String) throws(ChatTemplateError) -> String? {
            let value = i < args.count ? args[i] : kwargs.first(where: { $0.0 == label })?.1
            guard let value else { return nil }
            if case .none = value { return nil }
            guard case .string(let text) = value else {
                throw typeError("str.\(name)() argument must be str, not '\(value.typeName)'", value, at: position)
            }
            return text
        }
        switch name {
        case "strip", "lstrip", "rstrip":
            let chars = try stringArg(0, "chars")
            return .string(JinjaText.strip(s, chars: chars, leading: name != "rstrip", trailing: name != "lstrip"))
        case "split", "rsplit":
            let maxSplit =
                (args.count > 1 ? args[1] : kwargs.first(where: { $0.0 == "maxsplit" })?.1)?.integerIndex ?? -1
            let parts: [String]
            if let sep = try stringArg(0, "sep") {
                guard !sep.isEmpty else { throw .runtime("empty separator", at: position) }
                parts =
                    name == "split"
                    ? JinjaText.split(s, separator: sep, maxSplit: maxSplit)
                    : JinjaText.rsplit(s, separator: sep, maxSplit: maxSplit)
            } else {
                if name == "rsplit" && maxSplit >= 0 {
                    throw .unsupported("rsplit() on whitespace with maxsplit", at: position)
                }
                parts = JinjaText.splitWhitespace(s, maxSplit: maxSplit)
            }
            return .array(parts.map { .string($0) })
        case "splitlines":
            return .array(JinjaText.splitLines(s).map { .string($0) })
        case "startswith", "endswith":
            guard let first = args.first else { throw .runtime("str.\(name)() needs an argument", at: position) }
            var candidates: [String] = []
            switch first {
            case .string(let p): candidates = [p]
            case .array(let items), .tuple(let items):
                for item in items {
                    guard case .string(let p) = item else {
                        throw .runtime("str.\(name)() tuple must hold strings", at: position)
                    }
                    candidates.append(p)
                }
            default: throw typeError("str.\(name)() argument must be str or a tuple of str", first, at: position)
            }
            let scalars = Array(s.unicodeScalars)
            return .bool(
                candidates.contains { p in
                    let ps = Array(p.unicodeScalars)
                    return ps.count <= scalars.count
                        && (name == "startswith"
                            ? Array(scalars.prefix(ps.count)) == ps : Array(scalars.suffix(ps.count)) == ps)
                })
        case "replace":
            guard let old = try stringArg(0, "old"), let new = try stringArg(1, "new") else {
                throw .runtime("str.replace() needs two string arguments", at: position)
            }
            let count = (args.count > 2 ? args[2] : kwargs.first(where: { $0.0 == "count" })?.1)?.integerIndex ?? -1
            let result = JinjaText.replace(s, old, new, count: count)
            try checkSize(result.utf8.count, at: position)
            return .string(result)
        case "upper": return .string(s.uppercased())
        case "lower": return .string(s.lowercased())
        case "title": return .string(JinjaText.pythonTitle(s))
        case "capitalize": return .string(JinjaText.capitalize(s))
        case "find", "rfind", "count":
            guard let sub = try stringArg(0, "sub") else {
                throw .runtime("str.\(name)() needs a string", at: position)
            }
            return .int(JinjaText.find(s, sub, mode: name))
        case "join":
            guard let first = args.first else { throw .runtime("str.join() needs an iterable", at: position) }
            var parts: [String] = []
            for item in try iterate(first, at: position) {
                guard case .string(let p) = item else {
                    throw .runtime("str.join() expected str items, found '\(item.typeName)'", at: position)
                }
                parts.append(p)
            }
            return .string(parts.joined(separator: s))
        case "isdigit", "isalpha", "isalnum", "isspace", "islower", "isupper":
            return .bool(JinjaText.classify(s, name))
        case "format":
            return .string(try JinjaText.format(s, args: args, kwargs: kwargs, at: position))
        default:
            throw .unsupported("the string method '\(name)'", at: position)
        }
    }

    /// A small strftime for the directives chat templates use (%d %m %Y %y %B %b %A %a %H %M %S %j %p %e %%), in UTC.
    static func strftime(_ format: String, _ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? calendar.timeZone
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second, .weekday], from: date)
        let months = [
            "January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
            "November", "December",
        ]
        let days = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]
        let month = months[max(0, min(11, (c.month ?? 1) - 1))]
        let weekday = days[max(0, min(6, (c.weekday ?? 1) - 1))]
        func pad(_ v: Int?, _ width: Int = 2) -> String {
            let s = String(v ?? 0)
            return String(repeating: "0", count: max(0, width - s.count)) + s
        }
        var out = ""
        var iterator = format.makeIterator()
        while let ch = iterator.next() {
            guard ch == "%", let d = iterator.next() else {
                out.append(ch)
                continue
            }
            switch d {
            case "d": out += pad(c.day)
            case "e": out += (c.day ?? 0) < 10 ? " " + String(c.day ?? 0) : String(c.day ?? 0)
            case "m": out += pad(c.month)
            case "Y": out += String(c.year ?? 0)
            case "y": out += pad((c.year ?? 0) % 100)
            case "B": out += month
            case "b", "h": out += String(month.prefix(3))
            case "A": out += weekday
            case "a": out += String(weekday.prefix(3))
            case "H": out += pad(c.hour)
            case "I": out += pad(((c.hour ?? 0) + 11) % 12 + 1)
            case "M": out += pad(c.minute)
            case "S": out += pad(c.second)
            case "p": out += (c.hour ?? 0) < 12 ? "AM" : "PM"
            case "j": out += pad(calendar.ordinality(of: .day, in: .year, for: date), 3)
            case "%": out += "%"
            default: out += "%" + String(d)
            }
        }
        return out
    }
}
