"""Input and output guards: detectors (pii, names, secrets, injection, harm), the per-tenant
policy that turns findings into actions, and the pipeline stages that apply them."""
