import { describe, expect, it } from 'vitest';
import { parseRepo } from '../../src/repo/parse.js';

const tenant = 'apiVersion: flare.fluidos.eu/v1alpha1\nkind: Tenant\nmetadata: {name: a}\nspec: {}\n';
function intent(extra: string): string {
  return `apiVersion: flare.fluidos.eu/v1alpha1\nkind: Intent\nmetadata: {name: x}\nspec:\n  objective: Cost_Minimization\n  workload:\n    type: service\n    image: nginx:1.27\n${extra}    resources: {gpu: {count: 1}}\n`;
}
function codes(extra: string): string[] {
  return parseRepo([
    { path: 'tenants/a.yaml', text: tenant },
    { path: 'intents/a/x.yaml', text: intent(extra) },
  ]).diagnostics.filter((d) => d.severity === 'error').map((d) => d.code!);
}

describe('secret-looking values never enter the repo', () => {
  it('env names: *_KEY, *_PASS*, *TOKEN*, *SECRET*, PASSWORD', () => {
    for (const name of ['SIGNING_KEY', 'DB_PASS', 'DB_PASSPHRASE', 'GITHUB_TOKEN_VALUE', 'TOKEN', 'MY_SECRET_VALUE', 'CLIENT_SECRET', 'PASSWORD', 'AWS_SECRET_ACCESS_KEY', 'REDIS_PASSWD', 'HF_TOKEN']) {
      expect(codes(`    env: ["${name}=abc123"]\n`), name).toEqual(['secret-in-repo']);
    }
  });

  it('ordinary names, empty values and ${VAR} pass-through are fine', () => {
    for (const e of ['TF_CPP_MIN_LOG_LEVEL=2', 'CUDA_VISIBLE_DEVICES=0', 'KEYBOARD=us', 'MONKEY=1', 'BYPASS_CACHE=1', 'HF_TOKEN=${HF_TOKEN}', 'DB_PASSWORD=']) {
      expect(codes(`    env: ["${e}"]\n`), e).toEqual([]);
    }
  });

  it('credentials in commands are caught', () => {
    for (const cmd of [
      '["python serve.py --api-key=sk-abc123"]',
      '["python", "serve.py", "--token", "ghp_abcdef"]',
      '["python", "serve.py", "--password=hunter2"]',
      '["sh -c \\"curl -H \'Authorization: Bearer abc.def\' http://x\\""]',
      '["psql postgres://admin:hunter2@db:5432/app"]',
      '["MY_SECRET=abc ./run.sh"]',
    ]) {
      expect(codes(`    commands: ${cmd}\n`), cmd).toEqual(['secret-in-repo']);
    }
  });

  it('commands that only reference secrets or carry none are fine', () => {
    for (const cmd of [
      '["python", "serve.py", "--token", "$HF_TOKEN"]',
      '["python serve.py --api-key=${API_KEY} --port 8080"]',
      '["python train.py --epochs 3 --tokenizer bert"]',
      '["deepstream-app", "-c", "/config/traffic_analytics.txt"]',
      '["curl -H \\"Authorization: Bearer $TOKEN\\" http://x"]',
      '["python", "-m", "eval.run", "--suite=nightly"]',
      '["--max-tokens", "512"]',
    ]) {
      expect(codes(`    commands: ${cmd}\n`), cmd).toEqual([]);
    }
  });
});

describe('count-like names stay allowed', () => {
  it('MAX_TOKENS and TOKENIZER are not credentials', () => {
    expect(codes('    env: ["MAX_TOKENS=512", "TOKENIZER_NAME=bert"]\n')).toEqual([]);
  });
});
