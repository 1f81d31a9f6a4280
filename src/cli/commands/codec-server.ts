import { Command } from 'commander';
import type { InputProblem } from '../../request/load';
import { startCodecServer } from '../../codec/server';
import { DEFAULT_TEMPORAL_UI_URL, type CommandContext } from '../context';
import { invalidInput } from '../errors';
import { ExitCode } from '../exit-codes';
import { Flags, readFlags, type RawFlags } from '../options';
import { loadCodec } from '../temporal';

/** The `codec-server` flags, one value each. */
export interface CodecServerFlags {
  port?: string;
  host?: string;
  uiOrigins?: string;
}

/** `hybrid-deploy codec-server`: decrypts sealed payloads for the Web UI, for people who hold the key. */
export function codecServerCommand(ctx: CommandContext): Command {
  return new Command('codec-server')
    .description("serve Temporal's codec endpoint with this machine's codec keys, so the Web UI shows sealed values (Ctrl-C stops it)")
    .addOption(Flags.port())
    .addOption(Flags.host('address to listen on (default 127.0.0.1: only this machine can ask it to decrypt)'))
    .addOption(Flags.uiOrigins())
    .action(async (raw: RawFlags<CodecServerFlags>) => {
      const { flags, problems } = readFlags(raw);
      if (ctx.global.json) problems.push({ path: '--json', message: 'does not apply to codec-server: it runs in the foreground and logs as it goes' });
      ctx.finish({ exitCode: await runCodecServer(ctx, flags, problems) });
    });
}

/** Serves until SIGINT or SIGTERM; `until` replaces the signal wait (tests). */
export async function runCodecServer(ctx: CommandContext, flags: CodecServerFlags, problems: InputProblem[] = [], until?: Promise<void>): Promise<number> {
  const port = flags.port ?? '8888';
  if (!(/^\d{1,5}$/.test(port) && Number(port) <= 65535)) problems.push({ path: '--port', message: `${JSON.stringify(port)} is not a port (0-65535)` });
  const origins = (flags.uiOrigins ?? (ctx.env.TEMPORAL_UI_URL || DEFAULT_TEMPORAL_UI_URL)).split(',').map((o) => o.trim().replace(/\/+$/, ''));
  for (const origin of origins) {
    if (URL.canParse(origin) && new URL(origin).origin === origin) continue;
    problems.push({ path: '--ui-origins', message: `${JSON.stringify(origin)} is not an origin (scheme://host[:port], e.g. http://localhost:8233)` });
  }
  if (problems.length) throw invalidInput('invalid codec-server flags', problems);
  const codec = loadCodec(ctx.env);
  if (!codec.seals) throw invalidInput('no codec keys: set HYBRID_DEPLOY_CODEC_KEYS or HYBRID_DEPLOY_CODEC_KEY_FILE (the keys the worker uses)');
  const server = await startCodecServer(codec, { host: flags.host, port: Number(port), allowedOrigins: origins });
  ctx.deps.stderr(`codec endpoint ${server.url} (keys: ${codec.keyring.keys.map((k) => k.id).join(', ')}; Web UI origins: ${origins.join(', ')})\n`);
  ctx.deps.stderr(`In the Web UI: Settings → Codec Server → ${server.url}. Ctrl-C stops it.\n`);
  try {
    await (until ?? stopSignal());
  } finally {
    await server.close();
  }
  return ExitCode.OK;
}

function stopSignal(): Promise<void> {
  return new Promise((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}
