import 'reflect-metadata';
import { recordSecretsSeenByFetch } from './secrets.js';

recordSecretsSeenByFetch();
