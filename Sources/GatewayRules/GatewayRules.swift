// GatewayRules owns the rules file: its model (immutable values), TOML parsing and
// validation, and the diagnostics `gateway check` prints. It imports no networking.
