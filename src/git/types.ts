/** A file change the reconciler wants committed; content null deletes the file. */
export interface FileChange {
  path: string;
  content: string | null;
}

export interface CommitRequest {
  changes: FileChange[];
  /** Full commit message (subject, body, trailers). */
  message: string;
  author: { name: string; email: string };
  /** Push attempts before giving up (flare.yaml `reconciler.push_retries` + 1); default: the repo's own. */
  maxAttempts?: number;
}

export interface CommitResult {
  /** undefined when the changes were already in place (nothing to commit). */
  sha?: string;
  pushed: boolean;
  /** Push attempts made (1 when the first push landed). */
  attempts: number;
}

/**
 * The reconciler's view of its repo: a private working copy it owns, every operation serialized
 * behind one queue. Implementations: a clone of a smart-HTTP remote, or a local repository path.
 */
export interface GitRepo {
  /** The working copy's directory (read files from here after sync()). */
  readonly dir: string;
  /** Brings the working copy to the remote's head; returns the head commit. */
  sync(): Promise<string>;
  head(): Promise<string>;
  /**
   * Writes the changes, commits and pushes. When the remote moved, fetches, moves to the remote
   * head, re-applies the same changes and retries (bounded); nothing is lost.
   */
  commitAndPush(req: CommitRequest): Promise<CommitResult>;
  /**
   * The contents of `file` at the last `limit` commits (newest first, from the synced head) that
   * touched it; a commit that deleted it is skipped. Optional: the reconciler falls back to
   * keeping the committed rendered files when an implementation has no history.
   */
  fileVersions?(file: string, limit: number): Promise<FileVersion[]>;
  /** Files whose change means the branch may have moved (a local repository's refs). */
  readonly watchPaths?: readonly string[];
  close(): Promise<void>;
}

export interface FileVersion {
  commit: string;
  text: string;
}
