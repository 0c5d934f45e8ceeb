// GatewayValues holds the small value types the request path shares across modules: today
// `CopyOnWrite`, which keeps a large value (an allowance, a verified token, an audit record) in
// one object its copies share. Standard library only; every other module may depend on it.
