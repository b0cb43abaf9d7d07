extension MMIParse {
    /// Classifies a dialled string by TS 22.030 §4.5: a supplementary-service procedure
    /// on a code of `codes`, the barring password change, USSD, or invalid. Pure: no
    /// store, no subscriber; what the request may change is the engine's business.
    ///
    /// ```swift
    /// let codes = try MMICodes.load(from: "Grammars")
    /// MMIParse.parse("**21*06301234567#", codes: codes)   // .supplementary(register cfu, number 06301234567)
    /// MMIParse.parse("*#33#", codes: codes)               // .supplementary(interrogate baoc)
    /// MMIParse.parse("*1412#", codes: codes)              // .ussd("*1412#")
    /// MMIParse.parse("**21#", codes: codes)               // .invalid("registration needs a number …")
    /// ```
    public static func parse(_ text: String, codes: MMICodes) -> MMIParse {
        let code = text.trimmingSpaces()
        guard !code.isEmpty else { return .invalid("empty code") }
        guard code.allSatisfy({ $0.isASCIIDigit || $0 == "*" || $0 == "#" || $0 == "+" }) else {
            return .invalid("a code is made of digits, *, # and +")
        }
        guard code.hasSuffix("#") else { return .invalid("a code ends with #") }

        let prefixes: [(String, MMIProcedure)] = [
            ("**", .register), ("*#", .interrogate), ("##", .erase), ("*", .activate), ("#", .deactivate),
        ]
        guard let (prefix, procedure) = prefixes.first(where: { code.hasPrefix($0.0) }) else {
            return .ussd(code)
        }
        let body = code.dropFirst(prefix.count).dropLast()
        let fields = body.split(separator: "*", omittingEmptySubsequences: false).map(String.init)
        let serviceCode = fields[0]
        guard !serviceCode.isEmpty, serviceCode.allSatisfy(\.isASCIIDigit),
              let service = codes.services[serviceCode] else {
            return .ussd(code)
        }
        let info = Array(fields.dropFirst())
        if service.kind == .password {
            return parsePasswordChange(procedure, info, codes: codes)
        }
        if info.count > 3 {
            return .invalid("too many fields: at most *SIA*SIB*SIC before #")
        }
        if info.last == "" {
            return .invalid("an empty field before #")
        }
        for (index, field) in info.enumerated() {
            let digits = service.kind == .forwarding && index == 0 && field.hasPrefix("+") ? field.dropFirst() : Substring(field)
            guard digits.allSatisfy(\.isASCIIDigit), !(field.hasPrefix("+") && digits.isEmpty) else {
                return .invalid("`\(field)` is not digits" + (index == 0 && service.kind == .forwarding ? " (a number may start with +)" : ""))
            }
        }
        let sia = info.count > 0 && !info[0].isEmpty ? info[0] : nil
        let sib = info.count > 1 && !info[1].isEmpty ? info[1] : nil
        let sic = info.count > 2 && !info[2].isEmpty ? info[2] : nil
        var request = MMIRequest(procedure: procedure, service: service, sia: sia, sib: sib, sic: sic)

        switch service.kind {
        case .forwarding:
            if procedure == .register && sia == nil {
                return .invalid("registration needs a number: **\(serviceCode)*number#")
            }
            if procedure == .activate && sia != nil { request.procedure = .register }
            request.number = sia
            request.basicService(sib, codes: codes)
            if let sic {
                if !service.acceptsTimer {
                    request.note(.timerNotAllowed)
                } else if let seconds = Int(sic), codes.timer.allows(seconds) {
                    request.noReplyTimer = seconds
                } else {
                    request.noReplyTimer = Int(sic)
                    request.note(.timerOutOfRange(Int(sic) ?? Int.max))
                }
            }
        case .barring:
            if let refusal = onlyActivation(procedure, service) { return refusal }
            if sic != nil { return .invalid("barring takes a password and a basic service only: *\(serviceCode)*password*service#") }
            request.password = sia
            if sia == nil && (procedure == .activate || procedure == .deactivate) { request.note(.passwordMissing) }
            request.basicService(sib, codes: codes)
        case .waiting:
            if let refusal = onlyActivation(procedure, service) { return refusal }
            if sib != nil || sic != nil { return .invalid("call waiting takes a basic service only: *\(serviceCode)*service#") }
            request.basicService(sia, codes: codes)
        case .identity:
            if let refusal = onlyActivation(procedure, service) { return refusal }
            if !info.isEmpty { return .invalid("\(service.name.uppercased()) takes no supplementary information") }
        case .password:
            break  // handled above
        }
        return .supplementary(request)
    }

    /// Registration and erasure are for call forwarding only (TS 22.030 Annex B).
    private static func onlyActivation(_ procedure: MMIProcedure, _ service: MMIService) -> MMIParse? {
        guard procedure == .register || procedure == .erase else { return nil }
        return .invalid("\(service.name) has no \(procedure == .register ? "registration (**)" : "erasure (##)"): use *\(service.code)#, #\(service.code)# or *#\(service.code)#")
    }

    /// `**03*ZZ*OLD*NEW*NEW#` (or `*03*…#`): ZZ is empty (all barring) or a barring code.
    private static func parsePasswordChange(_ procedure: MMIProcedure, _ info: [String], codes: MMICodes) -> MMIParse {
        let sc = codes.passwordChangeCode
        let form = "**\(sc)*330*old*new*new#"
        guard procedure == .register || procedure == .activate else {
            return .invalid("the barring password is changed with \(form)")
        }
        guard info.count == 4 else { return .invalid("expected \(form)") }
        let zz = info[0]
        guard zz.isEmpty || codes.services[zz]?.kind == .barring else {
            return .invalid("`\(zz)` is not a barring code (330, or empty for all)")
        }
        for password in info.dropFirst() where password.count != 4 || !password.allSatisfy(\.isASCIIDigit) {
            return .invalid("a barring password is 4 digits")
        }
        return .passwordChange(code: zz, old: info[1], new: info[2], repeat: info[3])
    }
}

extension MMIRequest {
    /// Keeps the first problem: one reason is enough to refuse.
    mutating func note(_ p: MMIProblem) {
        if problem == nil { problem = p }
    }

    mutating func basicService(_ code: String?, codes: MMICodes) {
        guard let code else { return }
        if let group = codes.basicServices[code] { basicService = group } else { note(.unknownBasicService(code)) }
    }
}

extension Character {
    var isASCIIDigit: Bool { asciiValue.map { (48...57).contains($0) } ?? false }
}

extension StringProtocol {
    func trimmingSpaces() -> String {
        var s = Substring(self)
        while let f = s.first, f.isWhitespace { s.removeFirst() }
        while let l = s.last, l.isWhitespace { s.removeLast() }
        return String(s)
    }
}
