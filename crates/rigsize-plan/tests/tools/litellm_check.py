"""Loads a LiteLLM proxy config the way `litellm --config FILE` does (ProxyConfig.load_config,
litellm/proxy/proxy_server.py) and checks the router it builds serves the expected model
names. Usage: python litellm_check.py CONFIG NAME... ; exit 0 only when it loads and every
NAME is a deployment. Needs `pip install 'litellm[proxy]'` (tests/bundle_tools.rs runs it)."""
import asyncio
import sys

from litellm.proxy.proxy_server import ProxyConfig


def main():
    path, want = sys.argv[1], sys.argv[2:]
    router, model_list, _ = asyncio.run(ProxyConfig().load_config(router=None, config_file_path=path))
    if router is None:
        sys.exit(f"{path}: LiteLLM built no router")
    got = sorted({d["model_name"] for d in router.model_list})
    if got != sorted(set(want)):
        sys.exit(f"{path}: router serves {got}, expected {sorted(set(want))}")
    for d in router.model_list:
        p = d["litellm_params"]
        if not p.get("api_base") or not p.get("model", "").startswith("openai/"):
            sys.exit(f"{path}: {d['model_name']} has no OpenAI-compatible api_base/model: {p}")
    print(f"litellm {path}: {len(router.model_list)} deployments: {', '.join(got)}")


if __name__ == "__main__":
    main()
