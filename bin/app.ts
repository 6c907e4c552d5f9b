import { App } from 'aws-cdk-lib';
import { buildApp } from '../lib/app.ts';

// `cdk synth|deploy [-c stage=prod] [-c connectInstanceArn=...]`: context parameters are documented in lib/config.ts.
const app = new App();
buildApp(app);
app.synth();
