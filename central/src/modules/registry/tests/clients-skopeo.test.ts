import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ClientTarget, clientTargetNames, startClientTarget } from './client-targets.js';
import { ClientSandbox, which } from './client-tools.js';
import { type BuiltImage, OciLayout } from './oci-layout.js';

const SKOPEO = which('skopeo');
const sha256 = (b: Buffer | string) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

/**
 * Issue #23's real-client tests, skopeo (Debian's 1.9): an OCI layout built here is copied to the registry and back
 * with the same digests; a second image sharing the base layer goes to another repository and the base is mounted,
 * not uploaded again; `list-tags`, `inspect`, `delete` (then the tag is gone). Token auth as a client does it: the
 * Bearer challenge, the realm asked with Basic credentials.
 */
describe.skipIf(!SKOPEO).each(clientTargetNames)('skopeo against %s', (targetName) => {
  let target: ClientTarget;
  let box: ClientSandbox;
  let layout: OciLayout;
  let app: BuiltImage;
  let app2: BuiltImage;
  let tools: BuiltImage;

  const ref = (repo: string, tag: string) => `docker://${target.host}/${repo}:${tag}`;
  const creds = (flag: string) => (target.creds ? [`--${flag}`, target.creds] : []);
  const skopeo = (args: string[]) => box.skopeo(args);
  const ok = async (args: string[]) => {
    const r = await skopeo(args);
    expect(r.code, `skopeo ${args.join(' ')}:\n${r.stderr}`).toBe(0);
    return r.stdout;
  };
  const push = (image: BuiltImage, repo: string) =>
    ok([
      'copy',
      ...creds('dest-creds'),
      '--dest-tls-verify=false',
      `oci:${layout.dir}:${image.tag}`,
      ref(repo, image.tag),
    ]);

  beforeAll(async () => {
    target = await startClientTarget(targetName);
    box = await ClientSandbox.create([target.host]);
    layout = await OciLayout.create(join(box.dir, 'layout'));
    const base = await layout.addLayer([
      { path: 'etc/' },
      { path: 'etc/os-release', content: 'NAME="Storefleet test base"\n' },
      { path: 'bin/' },
      { path: 'bin/app', content: '#!/bin/sh\necho base\n' },
    ]);
    const appLayer = await layout.addLayer([{ path: 'srv/' }, { path: 'srv/app.txt', content: 'the app, v1\n' }]);
    const appConfig = await layout.addLayer([{ path: 'srv/config.json', content: '{"port":8080}\n' }]);
    app = await layout.addImage('v1', [base, appLayer, appConfig]);
    const appLayer2 = await layout.addLayer([{ path: 'srv/' }, { path: 'srv/app.txt', content: 'the app, v2\n' }]);
    app2 = await layout.addImage('v2', [base, appLayer2]);
    const toolsLayer = await layout.addLayer([{ path: 'usr/' }, { path: 'usr/tool.txt', content: 'a tool\n' }]);
    tools = await layout.addImage('t1', [base, toolsLayer]);
  }, 120_000);

  afterAll(async () => {
    await box?.remove();
    await target?.stop();
  }, 60_000);

  it('copies an OCI layout to the registry: the registry holds the same manifest, config and layers', async () => {
    await push(app, 'team/app');
    const raw = await ok(['inspect', '--raw', ...creds('creds'), '--tls-verify=false', ref('team/app', 'v1')]);
    expect(sha256(raw)).toBe(app.manifestDigest);
    expect(raw).toBe(app.manifest.toString());
    const info = JSON.parse(await ok(['inspect', ...creds('creds'), '--tls-verify=false', ref('team/app', 'v1')]));
    expect(info.Digest).toBe(app.manifestDigest);
    expect(info.Layers).toEqual(app.layers.map((l) => l.digest));
    expect(info.Labels).toMatchObject({ 'org.storefleet.test': 'v1' });
    const config = await ok([
      'inspect',
      '--config',
      '--raw',
      ...creds('creds'),
      '--tls-verify=false',
      ref('team/app', 'v1'),
    ]);
    expect(sha256(config)).toBe(app.configDigest);
  }, 300_000);

  it('copies the image back to a new OCI layout with the same digests and bytes', async () => {
    const back = join(box.dir, 'back');
    await ok(['copy', ...creds('src-creds'), '--src-tls-verify=false', ref('team/app', 'v1'), `oci:${back}:v1`]);
    expect(await OciLayout.digestOf(back, 'v1')).toBe(app.manifestDigest);
    for (const d of [app.manifestDigest, app.configDigest, ...app.layers.map((l) => l.digest)]) {
      const bytes = await readFile(join(back, 'blobs', 'sha256', d.slice('sha256:'.length)));
      expect(sha256(bytes)).toBe(d);
    }
  }, 300_000);

  it('pushes a second image sharing the base layer to another repository by mounting the base, not uploading it', async () => {
    const base = tools.layers[0]!.digest;
    const own = tools.layers[1]!.digest;
    const mark = target.proxy.requests.length;
    await push(tools, 'team/tools');
    const sent = target.proxy.since(mark);
    const query = (url: string) => new URL(url, 'http://registry').searchParams;
    const mounts = sent.filter(
      (r) =>
        r.method === 'POST' &&
        r.url.startsWith('/v2/team/tools/blobs/uploads/') &&
        query(r.url).get('mount') === base &&
        query(r.url).get('from') === 'team/app',
    );
    expect(
      mounts.map((r) => r.status),
      JSON.stringify(sent),
    ).toEqual([201]);
    const puts = (d: string) =>
      sent.filter(
        (r) =>
          r.method === 'PUT' && r.url.startsWith('/v2/team/tools/blobs/uploads/') && query(r.url).get('digest') === d,
      );
    expect(puts(base)).toEqual([]);
    expect(puts(own).map((r) => r.status)).toEqual([201]);
    const info = JSON.parse(await ok(['inspect', ...creds('creds'), '--tls-verify=false', ref('team/tools', 't1')]));
    expect(info.Digest).toBe(tools.manifestDigest);
    if (target.hub) {
      // one stored copy of the base, linked by both repositories
      const blob = await target.hub.hub.db.query<{ ref_count: number }>(
        'SELECT ref_count FROM registry_blobs WHERE digest = $1',
        [base],
      );
      expect(blob.rows).toEqual([{ ref_count: 2 }]);
      const links = await target.hub.hub.db.query<{ repository: string }>(
        'SELECT repository FROM registry_repo_blobs WHERE digest = $1 ORDER BY repository',
        [base],
      );
      expect(links.rows.map((r) => r.repository)).toEqual(['team/app', 'team/tools']);
    }
  }, 300_000);

  it('lists the tags of a repository', async () => {
    await push(app2, 'team/app');
    const tags = JSON.parse(
      await ok(['list-tags', ...creds('creds'), '--tls-verify=false', `docker://${target.host}/team/app`]),
    );
    expect(tags).toEqual({ Repository: `${target.host}/team/app`, Tags: ['v1', 'v2'] });
  }, 300_000);

  it('deletes an image: its tag is gone, the other tag and the other repository still pull', async () => {
    await ok(['delete', ...creds('creds'), '--tls-verify=false', ref('team/app', 'v1')]);
    const gone = await skopeo(['inspect', '--raw', ...creds('creds'), '--tls-verify=false', ref('team/app', 'v1')]);
    expect(gone.code).not.toBe(0);
    expect(gone.stderr).toMatch(/manifest unknown/i);
    const byDigest = await skopeo([
      'inspect',
      '--raw',
      ...creds('creds'),
      '--tls-verify=false',
      `docker://${target.host}/team/app@${app.manifestDigest}`,
    ]);
    expect(byDigest.code).not.toBe(0);
    const tags = JSON.parse(
      await ok(['list-tags', ...creds('creds'), '--tls-verify=false', `docker://${target.host}/team/app`]),
    );
    expect(tags.Tags).toEqual(['v2']);
    // the shared base layer is still there for the images that name it
    const again = join(box.dir, 'again');
    await ok(['copy', ...creds('src-creds'), '--src-tls-verify=false', ref('team/tools', 't1'), `oci:${again}:t1`]);
    expect(await OciLayout.digestOf(again, 't1')).toBe(tools.manifestDigest);
  }, 300_000);

  it.runIf(targetName === 'hub')(
    'refuses a client without credentials, and one with a wrong password',
    async () => {
      const anonymous = await skopeo(['inspect', '--raw', '--tls-verify=false', ref('team/app', 'v2')]);
      expect(anonymous.code).not.toBe(0);
      expect(anonymous.stderr).toMatch(/unauthorized|authentication required/i);
      const wrong = await skopeo([
        'copy',
        '--dest-creds',
        'admin@example.test:not the password',
        '--dest-tls-verify=false',
        `oci:${layout.dir}:v2`,
        ref('team/other', 'v2'),
      ]);
      expect(wrong.code).not.toBe(0);
      const tags = await target.hub!.hub.db.query("SELECT 1 FROM registry_tags WHERE repository = 'team/other'");
      expect(tags.rows).toEqual([]);
    },
    180_000,
  );
});
