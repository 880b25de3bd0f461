/** Declarations of the index's side of a project upload (PEP 480, "Snapshot Process"). */
import { declare } from '../../declaration.js';
import { AT, JSON_OUTPUT, METADATA, TRUSTED_ROOT } from '../../options.js';

export const check = declare({
  name: ['upload', 'check'],
  summary:
    "the index: check a claimed project's upload (metadata/ and targets/, a folder or .zip) before publishing (PEP 480)",
  options: {
    metadata: { ...METADATA, help: "the repository's current metadata, as published", required: true },
    root: { ...TRUSTED_ROOT, required: true },
    project: {
      type: 'string',
      value: '<name>',
      help: 'the project the upload is for (default: the one its metadata names)',
    },
    'allow-delegations': {
      type: 'boolean',
      help: "let the project's role delegate further, to roles in the same upload within its paths",
    },
    at: AT,
    json: JSON_OUTPUT,
  },
  positionals: [{ name: 'upload', count: 'one' }],
  details: `  What PEP 480 says the index SHOULD check before it publishes a project's upload, against the
  repository's metadata verified from the trusted root: a threshold of the keys claimed (or one of
  its bins, or recently-claimed) delegates the project to signed its role; every signature is
  valid; the role has not expired; its version is above the published one; each file under
  targets/ has the length and hashes the role lists, and a listed file not in the upload is listed
  the same by the published role; no target and no delegation outside the project's delegated
  paths; no further delegation unless --allow-delegations. One line per refusal, naming the file
  and the field. Exit 0: publish; exit 3: refuse.`,
});
