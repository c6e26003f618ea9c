/** A file of the repo as text: the input of every pure parser. */
export interface SourceFile {
  /** Repo-relative, forward slashes. */
  path: string;
  text: string;
}
