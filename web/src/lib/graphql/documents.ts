import * as generated from "../../gql/graphql";
import { register } from "./persisted";

// Every generated operation document: their hashes are what the app sends (see persisted.ts).
for (const value of Object.values(generated)) {
  if (value && typeof value === "object" && "definitions" in value) register(value);
}
