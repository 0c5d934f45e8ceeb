// GatewayRules owns the rules file: its model (immutable values), TOML parsing and
// validation, and the diagnostics `gateway check` prints. It imports no networking.
//
// Folders: Model/ (the public values), Values/ (hand-written parsers for durations, sizes,
// addresses, CIDRs, RFC 3339 timestamps, key hashes; standard library only), Loading/ (reading
// files and the environment, TOML via TOMLKit, walking the tree, locating diagnostics).
// Imports: TOMLKit (Loading/ only), Foundation (Loading/ only: files, environment, working
// directory), Synchronization (the lazily built source index).
