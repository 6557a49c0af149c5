import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ClientTarget, clientTargetNames, startClientTarget } from './client-targets.js';
import { ClientSandbox, which } from './client-tools.js';
import { type BuiltImage, OciLayout } from './oci-layout.js';

const PODMAN = which('podman');
const SKOPEO = which('skopeo');
const sha256 = (b: Buffer | string) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const hex = (digest: string) => digest.replace(/^sha256:/, '');

/**
 * Issue #23's real-client tests, podman (Debian's 4.3, vfs storage in the test's own folder, plain http): an image
 * skopeo pushed is pulled by podman (layers unpacked and checked against the config's diff ids), tagged into another
 * repository and pushed with podman, then pulled back into an empty image store: the same image (config digest)
 * and the same layers.
 */
describe.skipIf(!PODMAN || !SKOPEO).each(clientTargetNames)('podman against %s', (targetName) => {
  let target: ClientTarget;
  let box: ClientSandbox;
  let app: BuiltImage;

  const creds = () => (target.creds ? ['--creds', target.creds] : []);
  const podman = async (args: string[]) => {
    const r = await box.podman(args, 240_000);
    expect(r.code, `podman ${args.join(' ')}:\n${r.stderr}`).toBe(0);
    return r.stdout;
  };
  const skopeo = async (args: string[]) => {
    const r = await box.skopeo(args);
    expect(r.code, `skopeo ${args.join(' ')}:\n${r.stderr}`).toBe(0);
    return r.stdout;
  };
  const image = (repo: string, tag: string) => `${target.host}/${repo}:${tag}`;

  beforeAll(async () => {
    target = await startClientTarget(targetName);
    box = await ClientSandbox.create([target.host]);
    const layout = await OciLayout.create(join(box.dir, 'layout'));
    const base = await layout.addLayer([
      { path: 'etc/' },
      { path: 'etc/os-release', content: 'NAME="Storefleet podman test"\n' },
      { path: 'bin/' },
      { path: 'bin/app', content: '#!/bin/sh\necho app\n' },
    ]);
    const top = await layout.addLayer([{ path: 'srv/' }, { path: 'srv/data.txt', content: 'release 1\n' }]);
    app = await layout.addImage('v1', [base, top]);
    const dest = target.creds ? ['--dest-creds', target.creds] : [];
    await skopeo([
      'copy',
      ...dest,
      '--dest-tls-verify=false',
      `oci:${layout.dir}:v1`,
      `docker://${image('fleet/app', 'v1')}`,
    ]);
  }, 300_000);

  afterAll(async () => {
    if (box) await box.podman(['system', 'reset', '--force'], 60_000);
    await box?.remove();
    await target?.stop();
  }, 120_000);

  it('pulls the pushed image: the same manifest digest, config and unpacked layers', async () => {
    await podman(['pull', '--tls-verify=false', ...creds(), image('fleet/app', 'v1')]);
    const [info] = JSON.parse(await podman(['image', 'inspect', image('fleet/app', 'v1')]));
    expect(info.Id).toBe(hex(app.configDigest));
    expect(info.Digest).toBe(app.manifestDigest);
    expect(info.RootFS.Layers).toEqual(app.layers.map((l) => l.diffId));
    expect(info.Labels).toMatchObject({ 'org.storefleet.test': 'v1' });
  }, 300_000);

  it('tags and pushes the image to another repository, and pulls it back into an empty store unchanged', async () => {
    await podman(['tag', image('fleet/app', 'v1'), image('fleet/copy', 'v1')]);
    await podman(['push', '--tls-verify=false', ...creds(), image('fleet/copy', 'v1')]);
    const inspect = target.creds ? ['--creds', target.creds] : [];
    const pushed = JSON.parse(
      await skopeo(['inspect', ...inspect, '--tls-verify=false', `docker://${image('fleet/copy', 'v1')}`]),
    );
    const config = await skopeo([
      'inspect',
      '--config',
      '--raw',
      ...inspect,
      '--tls-verify=false',
      `docker://${image('fleet/copy', 'v1')}`,
    ]);
    expect(sha256(config)).toBe(app.configDigest);
    // podman reuses the compressed layers it pulled (mounting them from fleet/app): the same blobs, the same manifest
    expect(pushed.Layers).toEqual(app.layers.map((l) => l.digest));
    expect(pushed.Digest).toBe(app.manifestDigest);

    await podman(['rmi', '--all', '--force']);
    expect(JSON.parse(await podman(['images', '--format', 'json']))).toEqual([]);
    await podman(['pull', '--tls-verify=false', ...creds(), image('fleet/copy', 'v1')]);
    const [info] = JSON.parse(await podman(['image', 'inspect', image('fleet/copy', 'v1')]));
    expect(info.Id).toBe(hex(app.configDigest));
    expect(info.Digest).toBe(pushed.Digest);
    expect(info.RootFS.Layers).toEqual(app.layers.map((l) => l.diffId));
  }, 300_000);
});
